import os
import sys

import numpy as np
import pytest

import cnncore as cc

sys.path.insert(0, os.path.dirname(__file__))

EPS32 = float(np.finfo(np.float32).eps)
ISAS = [i for i in ("scalar", "avx2", "avx512") if i in cc.build_info()["isa_compiled"]]


@pytest.fixture(params=ISAS)
def isa(request):
    """Runs the test once per compiled ISA level, capping dispatch at it."""
    cc.set_max_isa(request.param)
    yield request.param
    cc.set_max_isa(None)


@pytest.fixture
def torch():
    """PyTorch when installed (a third oracle), else None: the NumPy-oracle checks run either way."""
    try:
        import torch as t
    except ImportError:
        return None
    return t


def reduction_atol(k, xmax, wmax):
    """Tolerance of a float32 sum of k products (DESIGN.md section 7)."""
    return 4 * EPS32 * max(k, 1) * max(xmax, 1e-30) * max(wmax, 1e-30) + 1e-6


def winograd_atol(c, xmax, wmax, k=3):
    """Tolerance of a Winograd convolution (F(4x4, 3x3); F(3x3, 4x4) for k=4, F(2x2, 5x5) for
    k=5) over c input channels: its transforms scale intermediate values by up to 10 per axis before the rounding
    of the channel sum, so the error is that of a longer sum. Measured worst case: 1.4x
    reduction_atol(9c) over random shapes at 3x3."""
    return 8 * reduction_atol(k * k * c, xmax, wmax)


def assert_close(got, want, atol, rtol=0.0, desc=""):
    got = np.asarray(got)
    want = np.asarray(want)
    assert got.shape == want.shape, f"{desc}: shape {got.shape} != expected {want.shape}"
    assert got.dtype == np.float32, f"{desc}: dtype {got.dtype}"
    err = np.abs(got.astype(np.float64) - want)
    bound = atol + rtol * np.abs(want)
    both_nan = np.isnan(got) & np.isnan(want)
    bad = ~((err <= bound) | both_nan | (got == want))
    if bad.any():
        i = np.unravel_index(np.argmax(np.where(bad, err, -1)), got.shape)
        raise AssertionError(f"{desc}: {bad.sum()} of {got.size} elements off; worst at {i}: got {got[i]}, "
                             f"want {want[i]}, |err| {err[i]:.3g} > tol {np.broadcast_to(bound, err.shape)[i]:.3g}")


def rand(rng, *shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)
