"""Activations, softmax and log_softmax against the oracle and PyTorch, at every ISA cap.

The eltwise family has AVX2/AVX-512 variants for the piecewise-linear activations, which use the
reference's exact arithmetic (every ISA level gives the same bits), and for sigmoid, SiLU, tanh,
tanh-GELU and ELU/SELU (a vector exp; AVX2 and AVX-512 give the same bits, within a few float roundings of
the reference). Softmax has SIMD variants too (float sums, within the tolerance below)."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.extra.numpy import arrays

import cnncore as cc
import reference as ref
from conftest import ISAS, assert_close, rand

F = cc.functional
pytestmark = pytest.mark.usefixtures("isa")

# name, cnncore call, oracle kwargs, torch call, rtol
ACTS = [
    ("relu", lambda x: F.relu(x), {}, lambda T, x: T.relu(x), 0),
    ("relu6", lambda x: F.relu6(x), {}, lambda T, x: T.relu6(x), 0),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.2), {"negative_slope": 0.2}, lambda T, x: T.leaky_relu(x, 0.2), 1e-6),
    ("hardtanh", lambda x: F.hardtanh(x, -0.5, 2.0), {"min_val": -0.5, "max_val": 2.0},
     lambda T, x: T.hardtanh(x, -0.5, 2.0), 0),
    ("hardswish", lambda x: F.hardswish(x), {}, lambda T, x: T.hardswish(x), 1e-6),
    ("hardsigmoid", lambda x: F.hardsigmoid(x), {}, lambda T, x: T.hardsigmoid(x), 1e-6),
    ("elu", lambda x: F.elu(x, 0.7), {"alpha": 0.7}, lambda T, x: T.elu(x, 0.7), 2e-6),
    ("selu", lambda x: F.selu(x), {}, lambda T, x: T.selu(x), 2e-6),
    ("sigmoid", lambda x: F.sigmoid(x), {}, lambda T, x: T.sigmoid(x), 2e-6),
    ("tanh", lambda x: F.tanh(x), {}, lambda T, x: T.tanh(x), 2e-6),
    ("silu", lambda x: F.silu(x), {}, lambda T, x: T.silu(x), 2e-6),
    ("gelu", lambda x: F.gelu(x), {}, lambda T, x: T.gelu(x), 2e-6),
    ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), {"approximate": "tanh"},
     lambda T, x: T.gelu(x, approximate="tanh"), 2e-6),
    ("softplus", lambda x: F.softplus(x, 2.0, 10.0), {"beta": 2.0, "threshold": 10.0},
     lambda T, x: T.softplus(x, 2.0, 10.0), 2e-6),
]


def _oracle(name, x, kw):
    return ref.activation("gelu" if name == "gelu_tanh" else name, x, **kw)


@pytest.mark.parametrize("name,fn,kw,tfn,rtol", ACTS, ids=[a[0] for a in ACTS])
@pytest.mark.parametrize("shape", [(1,), (7,), (15,), (16,), (17,), (33,), (2, 3, 13, 13), (1, 64, 56, 56), (0, 3)])
def test_activation(name, fn, kw, tfn, rtol, shape, torch):
    rng = np.random.default_rng(len(shape) * 100 + int(np.prod(shape)) % 97)
    x = rand(rng, *shape, scale=4.0)
    y = fn(x)
    desc = f"{name}:{shape}"
    assert_close(y, _oracle(name, x, kw), 1e-6, rtol, desc=desc)
    if torch is None:
        return
    ty = tfn(torch.nn.functional, torch.from_numpy(x)).numpy()
    assert_close(y, ty.astype(np.float64), 2e-6, 2 * rtol + 1e-6, desc=desc + " vs torch")


# f(+inf), f(-inf): the mathematical limits (PyTorch gives NaN for some, e.g. gelu(inf), hardswish(-inf))
INF = np.inf
LIMITS = {"relu": (INF, 0), "relu6": (6, 0), "leaky_relu": (INF, -INF), "hardtanh": (2, -0.5), "hardswish": (INF, 0),
          "hardsigmoid": (1, 0), "elu": (INF, -0.7), "selu": (INF, -1.7580993408473766), "sigmoid": (1, 0),
          "tanh": (1, -1), "silu": (INF, 0), "gelu": (INF, 0), "gelu_tanh": (INF, 0), "softplus": (INF, 0)}


@pytest.mark.parametrize("name,fn,kw,tfn,rtol", ACTS, ids=[a[0] for a in ACTS])
def test_activation_special_values(name, fn, kw, tfn, rtol, torch):
    x = np.array([np.nan, 0.0, -0.0, 1e-30, -1e-30, 3.0, -3.0, 6.0, -6.0, 88.0, -88.0, 1e30, -1e30], np.float32)
    y = fn(x)
    assert np.isnan(y[0]), f"{name}: NaN must propagate"
    with np.errstate(over="ignore", invalid="ignore"):
        np.testing.assert_allclose(y, _oracle(name, x, kw), rtol=1e-5, atol=1e-6, equal_nan=True, err_msg=name)
    if torch is not None:
        ty = tfn(torch.nn.functional, torch.from_numpy(x)).numpy()
        np.testing.assert_allclose(y, ty, rtol=1e-5, atol=1e-6, equal_nan=True, err_msg=name + " vs torch")
    np.testing.assert_allclose(fn(np.array([INF, -INF], np.float32)), LIMITS[name], rtol=1e-6, err_msg=name + " at +-inf")


def test_piecewise_linear_activations_bitwise_equal_across_isas():
    rng = np.random.default_rng(5)
    x = rand(rng, 3, 37, 11, 5, scale=5.0)
    x.flat[::97] = np.nan
    calls = [F.relu, F.relu6, lambda v: F.leaky_relu(v, 0.1), F.hardswish, F.hardsigmoid,
             lambda v: F.hardtanh(v, -2.0, 3.0), lambda v: F.clamp(v, min=0.5)]
    for fn in calls:
        outs = []
        for isa in ISAS:
            cc.set_max_isa(isa)
            outs.append(fn(x))
        for o in outs[1:]:
            np.testing.assert_array_equal(o, outs[0])


def test_exp_based_activations_bitwise_equal_across_simd_isas():
    simd = [i for i in ISAS if i != "scalar"]
    if len(simd) < 2:
        pytest.skip("needs both SIMD levels on this CPU")
    rng = np.random.default_rng(8)
    x = rand(rng, 5, 41, 19, scale=12.0)
    x.flat[::89] = np.nan
    x.flat[1::101] = np.inf
    x.flat[2::103] = -np.inf
    for fn in [F.sigmoid, F.silu, F.tanh, F.gelu, lambda v: F.gelu(v, approximate="tanh"), lambda v: F.elu(v, 0.7),
               F.selu]:
        outs = []
        for isa in simd:
            cc.set_max_isa(isa)
            outs.append(fn(x))
        np.testing.assert_array_equal(outs[1], outs[0])


def test_gelu_negative_tail_keeps_relative_accuracy(isa):
    """GELU (erf form) below 0 is 0.5 x erfc(-x/sqrt 2), a tiny value where 1 + erf would cancel:
    every ISA stays within the reference's own relative error (its float x/sqrt 2 rounding, 1e-5
    at x = -13) down to the smallest normal results."""
    from math import erfc
    x = np.linspace(-13.5, 0.0, 20001).astype(np.float32)
    want = np.array([0.5 * v * erfc(-v / np.sqrt(2.0)) for v in x.astype(np.float64)])
    got = F.gelu(x).astype(np.float64)
    big = np.abs(want) > 1e-37
    rel = np.abs(got - want)[big] / np.abs(want[big])
    assert rel.max() < 2e-5, f"max relative error {rel.max():.2e} at x = {x[big][rel.argmax()]}"
    assert rel[x[big] > -8].max() < 6e-6
    # past the smallest float result: 0, however large the input (not x times erfc's last value)
    assert np.all(np.abs(F.gelu(np.array([-15.0, -20.0, -1e30, -3e38], np.float32))) <= 1e-44)


def test_prelu(torch):
    rng = np.random.default_rng(6)
    for shape, wn in [((2, 5, 7, 7), 5), ((2, 5, 7, 7), 1), ((4, 9), 9), ((3, 8, 17), 8), ((6,), 1)]:
        x, w = rand(rng, *shape), rand(rng, wn, scale=0.3)
        y = F.prelu(x, w)
        assert_close(y, ref.prelu(x, w), 1e-6, 1e-6, desc=f"prelu {shape} w{wn}")
        if torch is not None:
            np.testing.assert_allclose(y, torch.nn.functional.prelu(torch.from_numpy(x), torch.from_numpy(w)).numpy(), rtol=1e-6)


def test_clamp_one_sided():
    x = np.linspace(-3, 3, 25, dtype=np.float32)
    np.testing.assert_array_equal(F.clamp(x, min=0.5), np.maximum(x, 0.5))
    np.testing.assert_array_equal(F.clamp(x, max=0.5), np.minimum(x, 0.5))


def test_inplace_activation_writes_input():
    x = np.array([-1.0, 2.0, -3.0], np.float32)
    out = F.relu(x, inplace=True)
    assert out is x and x.tolist() == [0.0, 2.0, 0.0]


@pytest.mark.parametrize("shape,dim", [((5,), 0), ((3, 10), 1), ((3, 10), 0), ((2, 3, 4, 5), 1), ((2, 3, 4, 5), -1),
                                       ((2, 1000), -1), ((4, 1, 3), 1),
                                       # side-by-side lanes: a segmentation head's 21 classes over
                                       # 17x19 pixels (vector tails), and fewer lanes than a vector
                                       ((1, 21, 17, 19), 1), ((2, 37, 5), 1), ((3, 77), -1)])
def test_softmax(shape, dim, torch):
    rng = np.random.default_rng(len(shape) + dim)
    x = rand(rng, *shape, scale=10.0)
    y = F.softmax(x, dim)
    assert_close(y, ref.softmax(x, dim), 1e-6, 1e-5, desc=f"softmax {shape} dim={dim}")
    assert_close(F.log_softmax(x, dim), ref.log_softmax(x, dim), 1e-5, 1e-5, desc=f"log_softmax {shape} dim={dim}")
    if torch is not None:
        np.testing.assert_allclose(y, torch.softmax(torch.from_numpy(x), dim).numpy(), rtol=1e-5, atol=1e-7)


def test_softmax_is_numerically_stable():
    x = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0, -1002.0]], np.float32)
    y = F.softmax(x, 1)
    assert np.isfinite(y).all()
    assert_close(y, ref.softmax(x, 1), 1e-6, 1e-5)
    assert np.isfinite(F.log_softmax(x, 1)).all()


@pytest.mark.parametrize("shape,dim", [((4, 40), 1), ((2, 9, 20), 1)])
def test_softmax_special_values_match_the_reference(shape, dim):
    """-inf entries, a lane of only -inf, a NaN and +inf: every ISA as the scalar reference."""
    rng = np.random.default_rng(2)
    x = rand(rng, *shape, scale=5.0)
    x.flat[::7] = -np.inf
    if x.ndim == 2:
        x[0] = -np.inf  # one whole row
    else:
        x[1, :, 3] = -np.inf  # one whole side-by-side lane
    x.flat[5] = np.nan
    x.flat[11] = np.inf
    outs = {}
    for isa in ISAS:
        cc.set_max_isa(isa)
        outs[isa] = (F.softmax(x, dim), F.log_softmax(x, dim))
    for isa in ISAS:
        for got, want in zip(outs[isa], outs["scalar"]):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, equal_nan=True, err_msg=f"{isa} {shape}")


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(arrays(np.float32, st.integers(0, 70), elements=st.floats(-50, 50, width=32)), st.floats(-2, 2))
def test_leaky_relu_property(x, slope):
    y = F.leaky_relu(x, slope)
    want = np.where(x < 0, np.float32(slope) * x, x)
    np.testing.assert_array_equal(y, want)
