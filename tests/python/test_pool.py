"""Pooling against the NumPy oracle (and PyTorch), at every ISA cap. Max pooling is exact."""
import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import cnncore as cc
import reference as ref
from conftest import EPS32, assert_close, rand

F = cc.functional
pytestmark = pytest.mark.usefixtures("isa")


def _pool_cases():
    cases = []
    for H, k, s, p, ceil in itertools.product([1, 2, 7, 13, 56], [1, 2, 3, 5], [1, 2, 4], [0, 1, 2], [False, True]):
        if p > k // 2 or k > H + 2 * p:
            continue
        cases.append((H, H if H != 13 else 11, k, s, p, ceil))
    return cases


POOL_CASES = _pool_cases()


def _desc(op, C, H, W, k, s, p, ceil, extra=""):
    return f"{op}:mb2_ic{C}ih{H}iw{W}_kh{k}kw{k}_sh{s}sw{s}_ph{p}pw{p}_ceil{int(ceil)}{extra}"


@pytest.mark.parametrize("H,W,k,s,p,ceil", POOL_CASES)
def test_max_pool2d(H, W, k, s, p, ceil, torch, isa):
    rng = np.random.default_rng(H * 1000 + k * 100 + s * 10 + p)
    x = rand(rng, 2, 3, H, W)
    y = F.max_pool2d(x, k, s, p, ceil_mode=ceil)
    want = ref.max_pool2d(x, (k, k), (s, s), (p, p, p, p), (1, 1), ceil)
    desc = _desc("max_pool2d", 3, H, W, k, s, p, ceil)
    assert_close(y, want, 0.0, desc=desc)  # exact
    if torch is None:
        return
    ty = torch.nn.functional.max_pool2d(torch.from_numpy(x), k, s, p, ceil_mode=ceil).numpy()
    np.testing.assert_array_equal(y, ty, err_msg=desc + " vs torch")


@pytest.mark.parametrize("H,W,k,s,p,ceil", POOL_CASES)
@pytest.mark.parametrize("include_pad", [True, False])
def test_avg_pool2d(H, W, k, s, p, ceil, include_pad, torch):
    rng = np.random.default_rng(H * 1000 + k * 100 + s * 10 + p)
    x = rand(rng, 2, 3, H, W)
    y = F.avg_pool2d(x, k, s, p, ceil_mode=ceil, count_include_pad=include_pad)
    want = ref.avg_pool2d(x, (k, k), (s, s), (p, p, p, p), ceil, include_pad)
    desc = _desc("avg_pool2d", 3, H, W, k, s, p, ceil, f"_incpad{int(include_pad)}")
    atol = 4 * EPS32 * k * k * np.abs(x).max()
    assert_close(y, want, atol, desc=desc)
    if torch is None:
        return
    ty = torch.nn.functional.avg_pool2d(torch.from_numpy(x), k, s, p, ceil, include_pad).numpy()
    assert_close(y, ty.astype(np.float64), 2 * atol, desc=desc + " vs torch")


@pytest.mark.parametrize("k,s,p,d,ceil", [(3, 1, 1, 2, False), (2, 2, 0, 3, True), (3, 2, 1, 2, True), (2, 1, 0, 2, False)])
def test_max_pool2d_dilation(k, s, p, d, ceil, torch):
    rng = np.random.default_rng(k * 10 + d)
    x = rand(rng, 1, 4, 11, 9)
    y = F.max_pool2d(x, k, s, p, dilation=d, ceil_mode=ceil)
    assert_close(y, ref.max_pool2d(x, (k, k), (s, s), (p,) * 4, (d, d), ceil), 0.0, desc=f"dilation {d}")
    if torch is None:
        return
    ty = torch.nn.functional.max_pool2d(torch.from_numpy(x), k, s, p, d, ceil_mode=ceil).numpy()
    np.testing.assert_array_equal(y, ty)


@pytest.mark.parametrize("pads", [(0, 1, 1, 0), (1, 0, 0, 1), (2, 1, 0, 2), "same", "valid"])
@pytest.mark.parametrize("ceil", [False, True])
def test_pool_asymmetric_and_auto_padding(pads, ceil):
    rng = np.random.default_rng(7)
    x = rand(rng, 2, 5, 10, 9)
    k, s = (3, 3), (2, 2)
    y = F.max_pool2d(x, k, s, pads, ceil_mode=ceil)
    assert_close(y, ref.max_pool2d(x, k, s, pads, (1, 1), ceil), 0.0, desc=f"max pads={pads}")
    for inc in (True, False):
        y = F.avg_pool2d(x, k, s, pads, ceil_mode=ceil, count_include_pad=inc)
        want = ref.avg_pool2d(x, k, s, pads, ceil, inc)
        assert_close(y, want, 1e-5, desc=f"avg pads={pads} count_include_pad={inc}")


def test_avg_pool2d_divisor_override(torch):
    rng = np.random.default_rng(8)
    x = rand(rng, 1, 2, 7, 7)
    y = F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, divisor_override=5)
    assert_close(y, ref.avg_pool2d(x, (3, 3), (2, 2), (1,) * 4, True, True, 5), 1e-5)
    if torch is None:
        return
    ty = torch.nn.functional.avg_pool2d(torch.from_numpy(x), 3, 2, 1, True, True, 5).numpy()
    assert_close(y, ty.astype(np.float64), 1e-5)


def test_max_pool_propagates_nan_and_handles_inf(isa):
    x = np.zeros((1, 1, 4, 4), np.float32)
    x[0, 0, 0, 0] = np.nan
    x[0, 0, 3, 3] = -np.inf
    x[0, 0, 2, 1] = np.inf
    y = F.max_pool2d(x, 2)
    assert np.isnan(y[0, 0, 0, 0]) and y[0, 0, 1, 0] == np.inf and y[0, 0, 1, 1] == 0.0
    assert np.array_equal(F.max_pool2d(x, 2), ref.max_pool2d(x, (2, 2)).astype(np.float32), equal_nan=True)
    # One plane of six with a NaN: the SIMD kernels hand that plane to the reference.
    x = rand(np.random.default_rng(0), 2, 3, 21, 40)
    x[1, 2, 9, 33] = np.nan
    x[0, 1, 4, 0] = np.inf
    y = F.max_pool2d(x, 3, 2, 1)
    assert np.array_equal(y, ref.max_pool2d(x, (3, 3), (2, 2), (1, 1, 1, 1)).astype(np.float32), equal_nan=True)
    assert np.isnan(y).sum() == 4


def test_adaptive_max_pool_nan_inf_and_ragged_windows():
    # Windows of every length mod 4 (the kernel keeps four running maxima), with NaN and inf.
    rng = np.random.default_rng(3)
    for L in (1, 3, 4, 5, 46, 47, 48):
        x = rand(rng, 2, 5, L)
        want = x.astype(np.float64).max(axis=2, keepdims=True)
        assert_close(F.adaptive_max_pool1d(x, 1), want, 0.0)
        x[0, 1, L - 1] = np.inf
        x[1, 3, L // 2] = np.nan
        y = F.adaptive_max_pool1d(x, 1)
        assert y[0, 1, 0] == np.inf and np.isnan(y[1, 3, 0]) and np.isnan(y).sum() == 1
    x = rand(rng, 1, 2, 7, 9)
    x[0, 0, 6, 8] = np.nan
    x[0, 1, 0, 0] = -np.inf
    y = F.adaptive_max_pool2d(x, (2, 3))
    assert np.array_equal(y, ref.adaptive_max_pool2d(x, (2, 3)).astype(np.float32), equal_nan=True)
    assert np.isnan(y).sum() == 1 and np.isnan(y[0, 0, 1, 2])


def test_lecture_pool_shapes():
    # AlexNet pool1: 55x55x96, 3x3 stride 2 -> 27x27x96; VGG 2x2 stride 2 halves 224 -> 112
    x = np.zeros((1, 96, 55, 55), np.float32)
    assert F.max_pool2d(x, 3, 2).shape == (1, 96, 27, 27)
    assert F.max_pool2d(np.zeros((1, 64, 224, 224), np.float32), 2, 2).shape == (1, 64, 112, 112)


@pytest.mark.parametrize("H,W,OH,OW", [(7, 7, 1, 1), (13, 9, 3, 2), (5, 5, 5, 5), (4, 6, 7, 3), (56, 56, 7, 7), (1, 1, 2, 2)])
def test_adaptive_pool2d(H, W, OH, OW, torch):
    rng = np.random.default_rng(H * 7 + OH)
    x = rand(rng, 2, 3, H, W)
    y = F.adaptive_avg_pool2d(x, (OH, OW))
    atol = 4 * EPS32 * (H // OH + 2) * (W // OW + 2) * np.abs(x).max()
    assert_close(y, ref.adaptive_avg_pool2d(x, (OH, OW)), atol)
    ym = F.adaptive_max_pool2d(x, (OH, OW))
    assert_close(ym, ref.adaptive_max_pool2d(x, (OH, OW)), 0.0)
    if torch is None:
        return
    assert_close(y, torch.nn.functional.adaptive_avg_pool2d(torch.from_numpy(x), (OH, OW)).numpy().astype(np.float64), 2 * atol)
    np.testing.assert_array_equal(ym, torch.nn.functional.adaptive_max_pool2d(torch.from_numpy(x), (OH, OW)).numpy())


def test_adaptive_none_keeps_input_size_and_global_pools():
    rng = np.random.default_rng(9)
    x = rand(rng, 2, 3, 6, 5)
    assert F.adaptive_avg_pool2d(x, (None, 2)).shape == (2, 3, 6, 2)
    assert_close(F.global_avg_pool2d(x), x.astype(np.float64).mean(axis=(2, 3), keepdims=True), 1e-6)
    assert_close(F.global_max_pool2d(x), x.astype(np.float64).max(axis=(2, 3), keepdims=True), 0.0)


@pytest.mark.parametrize("L,k,s,p,ceil", [(10, 3, 1, 1, False), (10, 3, 2, 0, True), (50, 50, None, 0, False), (9, 4, 3, 2, True)])
def test_pool1d(L, k, s, p, ceil, torch):
    rng = np.random.default_rng(L + k)
    x = rand(rng, 2, 4, L)
    x2 = x[:, :, None]
    ym, ya = F.max_pool1d(x, k, s, p, ceil_mode=ceil), F.avg_pool1d(x, k, s, p, ceil_mode=ceil)
    assert_close(ym, ref.max_pool2d(x2, (1, k), (1, s or k), (0, p, 0, p), (1, 1), ceil)[:, :, 0], 0.0)
    assert_close(ya, ref.avg_pool2d(x2, (1, k), (1, s or k), (0, p, 0, p), ceil, True)[:, :, 0], 1e-5)
    assert_close(F.adaptive_max_pool1d(x, 1), x.astype(np.float64).max(axis=2, keepdims=True), 0.0)
    assert_close(F.adaptive_avg_pool1d(x, 3), ref.adaptive_avg_pool2d(x2, (1, 3))[:, :, 0], 1e-5)
    if torch is None:
        return
    T = torch.nn.functional
    tx = torch.from_numpy(x)
    np.testing.assert_array_equal(ym, T.max_pool1d(tx, k, s, p, ceil_mode=ceil).numpy())
    assert_close(ya, T.avg_pool1d(tx, k, s, p, ceil).numpy().astype(np.float64), 1e-5)
    assert_close(F.adaptive_avg_pool1d(x, 3), T.adaptive_avg_pool1d(tx, 3).numpy().astype(np.float64), 1e-5)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(H=st.integers(1, 12), W=st.integers(1, 12), kh=st.integers(1, 4), kw=st.integers(1, 4), sh=st.integers(1, 3),
       sw=st.integers(1, 3), pads=st.tuples(*[st.integers(0, 3)] * 4), ceil=st.booleans(), inc=st.booleans(),
       seed=st.integers(0, 2**31 - 1))
def test_pool_property(H, W, kh, kw, sh, sw, pads, ceil, inc, seed):
    rng = np.random.default_rng(seed)
    x = rand(rng, 1, 2, H, W)
    ok = (pads[0] < kh and pads[2] < kh and pads[1] < kw and pads[3] < kw
          and ref.out_size(H, kh, sh, pads[0], pads[2], 1, ceil) >= 1
          and ref.out_size(W, kw, sw, pads[1], pads[3], 1, ceil) >= 1)
    desc = f"pool:ih{H}iw{W}_kh{kh}kw{kw}_sh{sh}sw{sw}_p{pads}_ceil{int(ceil)} seed={seed}"
    if not ok:
        with pytest.raises(cc.InvalidArgumentError):
            F.max_pool2d(x, (kh, kw), (sh, sw), pads, ceil_mode=ceil)
        return
    assert_close(F.max_pool2d(x, (kh, kw), (sh, sw), pads, ceil_mode=ceil),
                 ref.max_pool2d(x, (kh, kw), (sh, sw), pads, (1, 1), ceil), 0.0, desc=desc)
    assert_close(F.avg_pool2d(x, (kh, kw), (sh, sw), pads, ceil_mode=ceil, count_include_pad=inc),
                 ref.avg_pool2d(x, (kh, kw), (sh, sw), pads, ceil, inc), 1e-5, desc=desc + f" inc={inc}")
