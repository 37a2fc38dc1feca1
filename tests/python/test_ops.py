"""linear, batch_norm, LRN, broadcasting binary ops, concat, flatten/reshape, dropout, embedding."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import cnncore as cc
import reference as ref
from conftest import EPS32, assert_close, rand, reduction_atol

F = cc.functional
pytestmark = pytest.mark.usefixtures("isa")


@pytest.mark.parametrize("shape,out", [((1, 1), 1), ((1, 400), 120), ((64, 84), 10), ((3, 5, 17), 33), ((9216,), 4096),
                                       ((2, 4096), 1000)])
def test_linear(shape, out, torch):
    rng = np.random.default_rng(shape[-1] + out)
    x, w, b = rand(rng, *shape), rand(rng, out, shape[-1], scale=0.05), rand(rng, out)
    y = F.linear(x, w, b)
    atol = reduction_atol(shape[-1], np.abs(x).max(), np.abs(w).max())
    assert_close(y, ref.linear(x, w, b), atol, desc=f"linear:{shape}x{out}")
    assert_close(F.linear(x, w), ref.linear(x, w), atol, desc="no bias")
    if torch is not None:
        ty = torch.nn.functional.linear(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b)).numpy()
        assert_close(y, ty.astype(np.float64), 2 * atol, desc="vs torch")


def test_linear_rows_bitwise_independent_of_batch():
    """Small batches read each weight panel in one sweep, large ones a K chunk at a time: the sums
    are the same, in the same order, so any row equals that row run alone."""
    rng = np.random.default_rng(12)
    x, w, b = rand(rng, 40, 700), rand(rng, 70, 700, scale=0.05), rand(rng, 70)
    y = F.linear(x, w, b)
    for rows in (slice(0, 1), slice(3, 5), slice(9, 17), slice(0, 40)):
        np.testing.assert_array_equal(F.linear(x[rows], w, b), y[rows])


@pytest.mark.parametrize("shape", [(2, 3), (2, 5, 7, 7), (1, 16, 1, 1), (3, 4, 9)])
def test_batch_norm(shape, torch):
    rng = np.random.default_rng(len(shape))
    C = shape[1]
    x = rand(rng, *shape)
    mean, var = rand(rng, C), np.abs(rand(rng, C)) + 0.1
    w, b = rand(rng, C), rand(rng, C)
    y = F.batch_norm(x, mean, var, w, b, eps=1e-3)
    assert_close(y, ref.batch_norm(x, mean, var, w, b, 1e-3), 1e-5, 1e-5)
    assert_close(F.batch_norm(x, mean, var), ref.batch_norm(x, mean, var), 1e-5, 1e-5, desc="no affine")
    if torch is not None:
        ty = torch.nn.functional.batch_norm(*(torch.from_numpy(a) for a in (x, mean, var, w, b)), eps=1e-3).numpy()
        assert_close(y, ty.astype(np.float64), 2e-5, 2e-5, desc="vs torch")


@pytest.mark.parametrize("size,alpha,beta,k", [(5, 1e-4, 0.75, 2.0), (2, 1e-3, 0.5, 1.0), (1, 0.1, 1.0, 1.0),
                                                (4, 0.01, 0.75, 1.0), (11, 1e-2, 0.75, 1.0), (3, 0.5, 0.6, 1.0)])
@pytest.mark.parametrize("shape", [(2, 7, 5, 5), (1, 20, 9, 13)])
def test_local_response_norm(size, alpha, beta, k, shape, torch):
    """The SIMD variants (beta 0.5, 0.75, 1: float sums and square roots) and the reference (other
    betas, and the scalar cap) against the float64 oracle."""
    rng = np.random.default_rng(size)
    x = rand(rng, *shape, scale=3.0)
    y = F.local_response_norm(x, size, alpha, beta, k)
    assert_close(y, ref.local_response_norm(x, size, alpha, beta, k), 1e-6, 1e-5)
    if torch is None:
        return
    ty = torch.nn.functional.local_response_norm(torch.from_numpy(x), size, alpha, beta, k).numpy()
    assert_close(y, ty.astype(np.float64), 1e-5, 1e-5, desc="vs torch")


@pytest.mark.parametrize("a,b", [((2, 3), (2, 3)), ((2, 3, 4, 5), (3, 1, 1)), ((1,), (4, 5)), ((4, 1, 5), (1, 3, 1)),
                                 ((), (3, 2)), ((2, 16, 7, 7), (2, 16, 7, 7)), ((0, 3), (3,)),
                                 # merged dims: one 40000-long row split over threads; an SE block's
                                 # [N, C, 1, 1] scale; a broadcast middle dim that stops the merge
                                 ((2, 1, 40000), (2, 1, 40000)), ((2, 24, 9, 11), (2, 24, 1, 1)),
                                 ((3, 4, 5, 6), (3, 1, 5, 6))])
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "maximum", "minimum"])
def test_binary_broadcasting(a, b, op):
    rng = np.random.default_rng(len(a) * 10 + len(b))
    x, y = rand(rng, *a), rand(rng, *b) + 3.0
    got = getattr(F, op)(x, y)
    want = ref.binary(x, y, {"maximum": "max", "minimum": "min"}.get(op, op))
    assert_close(got, want, 0.0, 1e-6, desc=f"{op} {a} {b}")


def test_binary_scalars():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(F.add(x, 2), x + 2)
    np.testing.assert_array_equal(F.mul(x, 0.5), x * 0.5)


@pytest.mark.parametrize("shapes,dim", [([(2, 3, 4), (2, 5, 4)], 1), ([(1, 2), (3, 2), (1, 2)], 0),
                                        ([(2, 3), (2, 0)], -1), ([(2, 64, 28, 28), (2, 128, 28, 28), (2, 32, 28, 28)], 1),
                                        # batch 1: one output row cut into pieces across the inputs' edges
                                        ([(1, 7, 61, 67), (1, 0, 61, 67), (1, 13, 61, 67), (1, 1, 61, 67)], 1)])
def test_concat(shapes, dim):
    rng = np.random.default_rng(len(shapes))
    xs = [rand(rng, *s) for s in shapes]
    np.testing.assert_array_equal(F.concat(xs, dim), np.concatenate(xs, dim))
    np.testing.assert_array_equal(F.cat(xs, dim), np.concatenate(xs, dim))


def test_flatten_reshape():
    x = np.arange(120, dtype=np.float32).reshape(2, 3, 4, 5)
    assert F.flatten(x).shape == (120,)
    assert F.flatten(x, 1).shape == (2, 60)
    assert F.flatten(x, 1, 2).shape == (2, 12, 5)
    assert F.flatten(x, -2).shape == (2, 3, 20)
    assert F.reshape(x, (-1, 6)).shape == (20, 6)
    assert F.reshape(x, (2, -1)).shape == (2, 60)
    np.testing.assert_array_equal(F.reshape(x, (4, 30)), x.reshape(4, 30))


def test_dropout_is_identity_at_inference():
    x = np.arange(5, dtype=np.float32)
    np.testing.assert_array_equal(F.dropout(x, 0.5), x)
    np.testing.assert_array_equal(F.dropout(x, 0.0, training=False), x)


def test_embedding(torch):
    rng = np.random.default_rng(10)
    w = rand(rng, 50, 16)
    idx = rng.integers(0, 50, size=(4, 7))
    y = F.embedding(idx, w)
    np.testing.assert_array_equal(y, ref.embedding(idx, w).astype(np.float32))
    assert F.embedding(np.array(3, np.int32), w).shape == (16,)
    if torch is not None:
        np.testing.assert_array_equal(y, torch.nn.functional.embedding(torch.from_numpy(idx), torch.from_numpy(w)).numpy())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.integers(1, 5), fin=st.integers(1, 70), fout=st.integers(1, 40), seed=st.integers(0, 2**31 - 1))
def test_linear_property(rows, fin, fout, seed):
    rng = np.random.default_rng(seed)
    x, w, b = rand(rng, rows, fin), rand(rng, fout, fin), rand(rng, fout)
    assert_close(F.linear(x, w, b), ref.linear(x, w, b), reduction_atol(fin, np.abs(x).max(), np.abs(w).max()),
                 desc=f"linear:mb{rows}_ic{fin}_oc{fout} seed={seed}")


def test_input_conversion_rules():
    x64 = np.linspace(-1, 1, 24).reshape(1, 2, 3, 4)  # float64 -> converted
    assert F.relu(x64).dtype == np.float32
    xf16 = x64.astype(np.float16)
    np.testing.assert_array_equal(F.relu(xf16), np.maximum(xf16.astype(np.float32), 0))
    xt = np.asfortranarray(x64.astype(np.float32))  # non-contiguous -> converted
    np.testing.assert_array_equal(F.relu(xt), np.maximum(xt, 0))
    strided = np.arange(20, dtype=np.float32)[::2]
    np.testing.assert_array_equal(F.relu(strided - 5), np.maximum(strided - 5, 0))
    assert F.relu([[1.0, -2.0]]).tolist() == [[1.0, 0.0]]


def test_float32_input_is_not_copied():
    # the output of a pure reshape is a view of the very same buffer
    x = np.ones((2, 3, 4), np.float32)
    assert np.shares_memory(F.flatten(x, 1), x)
