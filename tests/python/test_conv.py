"""conv2d / conv1d / conv_transpose2d against the NumPy oracle (and PyTorch when installed),
over the DESIGN.md section 7 sweep, at every ISA cap."""
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

import cnncore as cc
import reference as ref
from conftest import assert_close, rand, reduction_atol, winograd_atol

F = cc.functional
pytestmark = pytest.mark.usefixtures("isa")

BASE = dict(N=1, C=8, H=13, W=13, K=8, k=3, s=1, d=1, p=1, g=1)
SWEEP = {
    "C": [1, 3, 7, 8, 9, 15, 16, 17, 33],
    "H": [1, 2, 7, 13, 56],
    "k": [1, 2, 3, 5, 7, 11],
    "s": [1, 2, 4],
    "d": [1, 2],
    "p": [0, 1, "same", "valid", (0, 1, 2, 1), (2, 0, 1, 3)],
    "g": [1, 2, "C"],
    "N": [1, 3],
}


def _same_for_1_to_4_threads(run):
    """run() at 1, 2, 3 and 4 threads; asserts the results are bitwise equal and returns them."""
    n0 = cc.get_num_threads()
    try:
        outs = []
        for n in (1, 2, 3, 4):
            cc.set_num_threads(n)
            outs.append(run())
    finally:
        cc.set_num_threads(n0)
    for o in outs[1:]:
        np.testing.assert_array_equal(o, outs[0])
    return outs


def _pads_tuple(p):
    return p if isinstance(p, (str, tuple)) else (p, p, p, p)


def _valid(c):
    C = c["C"]
    g = C if c["g"] == "C" else c["g"]
    if C % g or c["K"] % g:
        return False
    pads = ref.resolve_pads(_pads_tuple(c["p"]), (c["H"], c["W"]), (c["k"], c["k"]), (c["s"], c["s"]), (c["d"], c["d"]))
    oh = ref.out_size(c["H"], c["k"], c["s"], pads[0], pads[2], c["d"])
    ow = ref.out_size(c["W"], c["k"], c["s"], pads[1], pads[3], c["d"])
    return oh >= 1 and ow >= 1


def _cases():
    cases = []
    for key, values in SWEEP.items():
        for v in values:
            c = dict(BASE, **{key: v})
            if key == "H":
                c["W"] = v
            if key == "g":
                c["K"] = c["C"] * 2 if v == "C" else 8
            if key == "k" and v > 7:
                c["H"] = c["W"] = 13
            if _valid(c):
                cases.append(c)
    rng = np.random.default_rng(1234)
    while len(cases) < 90:
        c = {key: values[rng.integers(len(values))] for key, values in SWEEP.items()}
        c["W"] = int(rng.choice([1, 2, 7, 13, 17]))
        c["K"] = int(rng.choice([1, 4, 8, 16]))
        if c["g"] == "C":
            c["K"] = c["C"]
        if _valid(c):
            cases.append(c)
    return cases


CASES = _cases()


def _descriptor(c, g):
    p = c["p"]
    ps = p if isinstance(p, str) else "_".join(map(str, _pads_tuple(p)))
    return (f"conv2d:mb{c['N']}_ic{c['C']}ih{c['H']}iw{c['W']}_oc{c['K']}_kh{c['k']}kw{c['k']}"
            f"_sh{c['s']}sw{c['s']}_p{ps}_dh{c['d']}dw{c['d']}_g{g}")


def _run_case(c, seed, torch_mod=None):
    rng = np.random.default_rng(seed)
    g = c["C"] if c["g"] == "C" else c["g"]
    x = rand(rng, c["N"], c["C"], c["H"], c["W"])
    w = rand(rng, c["K"], c["C"] // g, c["k"], c["k"], scale=0.5)
    b = rand(rng, c["K"])
    desc = _descriptor(c, g) + f" seed={seed}"
    y = F.conv2d(x, w, b, stride=c["s"], padding=c["p"], dilation=c["d"], groups=g)
    want = ref.conv2d(x, w, b, (c["s"], c["s"]), _pads_tuple(c["p"]), (c["d"], c["d"]), g)
    atol = reduction_atol(c["C"] // g * c["k"] ** 2, np.abs(x).max(), np.abs(w).max())
    assert_close(y, want, atol, desc=desc)
    if torch_mod is not None:
        T = torch_mod.nn.functional
        tx = torch_mod.from_numpy(x)
        p = c["p"]
        if isinstance(p, tuple):
            tx, tp = T.pad(tx, (p[1], p[3], p[0], p[2])), 0
        elif p == "same" and c["s"] != 1:
            return  # PyTorch rejects padding='same' with stride > 1
        else:
            tp = p
        ty = T.conv2d(tx, torch_mod.from_numpy(w), torch_mod.from_numpy(b), c["s"], tp, c["d"], g).numpy()
        assert_close(y, ty.astype(np.float64), 2 * atol, desc=desc + " vs torch")


@pytest.mark.parametrize("case", range(len(CASES)), ids=lambda i: _descriptor(CASES[i], "g"))
def test_conv2d_sweep(case):
    _run_case(CASES[case], seed=case)


@pytest.mark.parametrize("case", range(0, len(CASES), 3))
def test_conv2d_matches_torch(case, torch):
    if torch is None:
        pytest.skip("PyTorch not installed (the oracle sweep above still runs)")
    _run_case(CASES[case], seed=1000 + case, torch_mod=torch)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(N=st.integers(1, 2), C=st.integers(1, 9), H=st.integers(1, 12), W=st.integers(1, 12),
       Kg=st.integers(1, 3), kh=st.integers(1, 5), kw=st.integers(1, 5), sh=st.integers(1, 3), sw=st.integers(1, 3),
       dh=st.integers(1, 3), dw=st.integers(1, 3), pads=st.tuples(*[st.integers(0, 3)] * 4),
       gsel=st.integers(0, 2), seed=st.integers(0, 2**31 - 1))
def test_conv2d_property(N, C, H, W, Kg, kh, kw, sh, sw, dh, dw, pads, gsel, seed):
    g = [1, C, next(d for d in range(2, C + 1) if C % d == 0) if C > 1 else 1][gsel]
    oh = ref.out_size(H, kh, sh, pads[0], pads[2], dh)
    ow = ref.out_size(W, kw, sw, pads[1], pads[3], dw)
    rng = np.random.default_rng(seed)
    x = rand(rng, N, C, H, W)
    w = rand(rng, Kg * g, C // g, kh, kw)
    desc = (f"conv2d:mb{N}_ic{C}ih{H}iw{W}_oc{Kg * g}_kh{kh}kw{kw}_sh{sh}sw{sw}_p{'_'.join(map(str, pads))}"
            f"_dh{dh}dw{dw}_g{g} seed={seed}")
    if oh < 1 or ow < 1:
        with pytest.raises(cc.InvalidArgumentError):
            F.conv2d(x, w, None, (sh, sw), pads, (dh, dw), g)
        return
    y = F.conv2d(x, w, None, (sh, sw), pads, (dh, dw), g)
    want = ref.conv2d(x, w, None, (sh, sw), pads, (dh, dw), g)
    assert_close(y, want, reduction_atol(C // g * kh * kw, np.abs(x).max(), np.abs(w).max()), desc=desc)


def test_conv2d_lecture_shapes():
    # 32x32x3 through six 5x5 filters -> 28x28x6; AlexNet conv1 227x227x3, 96 11x11 stride 4 -> 55x55x96
    rng = np.random.default_rng(0)
    assert F.conv2d(rand(rng, 1, 3, 32, 32), rand(rng, 6, 3, 5, 5)).shape == (1, 6, 28, 28)
    assert F.conv2d(rand(rng, 1, 3, 227, 227), rand(rng, 96, 3, 11, 11), stride=4).shape == (1, 96, 55, 55)


def test_conv2d_unbatched_and_no_bias():
    rng = np.random.default_rng(1)
    x, w = rand(rng, 3, 9, 9), rand(rng, 4, 3, 3, 3)
    y = F.conv2d(x, w, padding=1)
    assert y.shape == (4, 9, 9)
    assert_close(y, ref.conv2d(x[None], w, None, (1, 1), (1, 1, 1, 1))[0], reduction_atol(27, 4, 4))


def test_conv2d_batch_64_matches_batch_1():
    rng = np.random.default_rng(2)
    x, w, b = rand(rng, 64, 3, 12, 12), rand(rng, 5, 3, 3, 3), rand(rng, 5)
    y = F.conv2d(x, w, b, padding=1)
    for n in (0, 17, 63):
        np.testing.assert_array_equal(y[n:n + 1], F.conv2d(x[n:n + 1], w, b, padding=1))


@pytest.mark.parametrize("L,k,s,p,d,g", [
    (20, 3, 1, 0, 1, 1), (20, 4, 1, "same", 1, 1), (20, 5, 2, 2, 1, 1), (7, 3, 1, (0, 2), 2, 1),
    (33, 5, 3, 1, 1, 4), (1, 1, 1, 0, 1, 1), (16, 3, 1, "valid", 1, 8),
])
def test_conv1d(L, k, s, p, d, g, torch):
    rng = np.random.default_rng(L * 100 + k)
    C, K = 8, 8
    x, w, b = rand(rng, 2, C, L), rand(rng, K, C // g, k), rand(rng, K)
    y = F.conv1d(x, w, b, stride=s, padding=p, dilation=d, groups=g)
    pads = p if isinstance(p, (str, tuple)) else (p, p)
    want = ref.conv1d(x, w, b, s, pads, d, g)
    desc = f"conv1d:mb2_ic{C}iw{L}_oc{K}_kw{k}_sw{s}_p{p}_dw{d}_g{g}"
    atol = reduction_atol(C // g * k, np.abs(x).max(), np.abs(w).max())
    assert_close(y, want, atol, desc=desc)
    if torch is not None and not isinstance(p, tuple) and not (p == "same" and s != 1):
        T = torch.nn.functional
        ty = T.conv1d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), s, p, d, g).numpy()
        assert_close(y, ty.astype(np.float64), 2 * atol, desc=desc + " vs torch")


def test_conv1d_kim_text_cnn_shapes():
    # Kim 2014: 300-d embeddings of a 50-token sentence, 100 filters each of widths 3, 4, 5
    rng = np.random.default_rng(3)
    x = rand(rng, 4, 300, 50)
    for k in (3, 4, 5):
        y = F.conv1d(x, rand(rng, 100, 300, k, scale=0.05), rand(rng, 100))
        assert y.shape == (4, 100, 50 - k + 1)
        assert F.max_pool1d(y, y.shape[-1]).shape == (4, 100, 1)


TRANSPOSE_CASES = [
    # C, K, H, W, k, s, p, op, d, g
    (4, 6, 5, 5, 3, 1, 0, 0, 1, 1), (4, 6, 5, 7, 3, 2, 1, 1, 1, 1), (8, 8, 4, 4, 4, 2, 1, 0, 1, 2),
    (3, 5, 6, 6, 5, 3, 2, 2, 1, 1), (6, 6, 3, 3, 3, 1, 1, 0, 2, 6), (2, 3, 1, 1, 2, 2, 0, 1, 1, 1),
    (5, 4, 7, 3, (3, 1), (2, 1), (1, 0), (1, 0), (1, 2), 1), (4, 4, 5, 5, 3, 2, (0, 1, 2, 1), 0, 1, 1),
]


@pytest.mark.parametrize("case", TRANSPOSE_CASES)
def test_conv_transpose2d(case, torch):
    C, K, H, W, k, s, p, op, d, g = case
    pair = lambda v: v if isinstance(v, tuple) else (v, v)
    kh, kw = pair(k)
    rng = np.random.default_rng(C * 31 + K)
    x, w, b = rand(rng, 2, C, H, W), rand(rng, C, K // g, kh, kw), rand(rng, K)
    y = F.conv_transpose2d(x, w, b, stride=s, padding=p, output_padding=op, groups=g, dilation=d)
    pads = p if isinstance(p, tuple) and len(p) == 4 else pair(p) + pair(p)
    want = ref.conv_transpose2d(x, w, b, pair(s), pads, pair(op), pair(d), g)
    desc = f"conv_transpose2d:{case}"
    atol = reduction_atol(C // g * kh * kw, np.abs(x).max(), np.abs(w).max())
    assert_close(y, want, atol, desc=desc)
    if torch is not None and not (isinstance(p, tuple) and len(p) == 4):
        T = torch.nn.functional
        ty = T.conv_transpose2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), s, p, op, g, d).numpy()
        assert_close(y, ty.astype(np.float64), 2 * atol, desc=desc + " vs torch")


# Shapes for the GEMM + col2im path (conv_transpose.cpp): blocks of 96 input columns, K chunks,
# channel blocks that start on a weight panel (taps 9: 8 channels per step).
TRANSPOSE_GEMM_CASES = [
    # N, C, K, H, W, k, s, p, op, d, g
    (1, 64, 32, 28, 28, 4, 2, 1, 0, 1, 1),        # decoder upsampling: 784 columns, 9 blocks
    (2, 48, 20, 13, 11, 3, 2, 1, 1, 1, 1),        # 20 channels x 9 taps: blocks of 8 channels, a partial panel
    (1, 1300, 6, 5, 6, 2, 2, 0, 0, 1, 1),         # K = 1300: two K chunks
    (1, 16, 24, 15, 17, 3, 1, 2, 0, 2, 1),        # dilation, padding past the kernel's reach
    (3, 12, 18, 9, 10, (3, 5), (3, 2), (2, 1), (1, 0), (1, 2), 3),  # groups, non-square everything
    (1, 8, 3, 40, 40, 5, 4, 3, 2, 1, 1),          # three output channels, stride 4 (gaps between taps)
    (1, 7, 7, 6, 6, 3, 2, 1, 0, 1, 7),            # depthwise transposed: one input channel per group
]


@pytest.mark.parametrize("case", TRANSPOSE_GEMM_CASES)
def test_conv_transpose2d_gemm_shapes_and_threads(case, torch):
    """Larger transposed convolutions against the oracle, bitwise equal for 1-4 threads, each batch
    row equal to that image alone."""
    N, C, K, H, W, k, s, p, op, d, g = case
    pair = lambda v: v if isinstance(v, tuple) else (v, v)
    kh, kw = pair(k)
    rng = np.random.default_rng(C + 7 * K)
    x, w, b = rand(rng, N, C, H, W), rand(rng, C, K // g, kh, kw), rand(rng, K)
    run = lambda xx: F.conv_transpose2d(xx, w, b, stride=s, padding=p, output_padding=op, groups=g, dilation=d)
    outs = _same_for_1_to_4_threads(lambda: run(x))
    want = ref.conv_transpose2d(x, w, b, pair(s), pair(p) + pair(p), pair(op), pair(d), g)
    atol = reduction_atol(C // g * kh * kw, np.abs(x).max(), np.abs(w).max())
    assert_close(outs[0], want, atol, desc=f"conv_transpose2d:{case}")
    if N > 1:
        np.testing.assert_array_equal(run(x[1:2]), outs[0][1:2])


class _UpSkip(cc.nn.Module):
    """Decoder step: transposed convolution + skip connection + activation."""

    def __init__(self, act):
        super().__init__()
        self.up = cc.nn.ConvTranspose2d(24, 16, 4, stride=2, padding=1)
        self.act = act

    def forward(self, x, skip):
        return self.act(self.up(x) + skip)


@pytest.mark.parametrize("act", ["ReLU", "ReLU6", "Hardswish"])
def test_conv_transpose2d_fused_residual_and_activation(act, isa):
    """The add and activation after a transposed convolution fuse into it; the fused node must give
    the unfused ops' bits and the oracle's values (the residual is not dropped)."""
    cc.manual_seed(8)
    m = _UpSkip(getattr(cc.nn, act)())
    model = m.to_model()
    rng = np.random.default_rng(5)
    x, skip = rand(rng, 2, 24, 9, 10), rand(rng, 2, 16, 18, 20)
    x[1, 3, 4, 4] = np.nan
    fused = model(x, skip)
    nodes = model.optimized_graph(x.shape, skip.shape)["nodes"]
    assert [(n["op"], len(n["inputs"])) for n in nodes] == [("conv_transpose2d", 4)]
    model.set_optimize(False)
    np.testing.assert_array_equal(model(x, skip), fused)
    sd = {k: np.array(v) for k, v in m.state_dict().items()}
    v = ref.conv_transpose2d(x, sd["up.weight"], sd["up.bias"], (2, 2), (1, 1, 1, 1)) + skip
    want = {"ReLU": np.maximum(v, 0), "ReLU6": np.clip(v, 0, 6),
            "Hardswish": v * np.clip(v + 3, 0, 6) / 6}[act]
    ok = ~np.isnan(want)
    assert np.isnan(fused[~ok]).all() and ok.mean() > 0.9
    atol = reduction_atol(24 * 16, np.nanmax(np.abs(x)), np.abs(sd["up.weight"]).max()) + 8 * 6e-8 * np.abs(skip).max()
    assert_close(np.where(ok, fused, 0), np.where(ok, want, 0), atol, desc=f"up+skip {act}")


@pytest.mark.parametrize("shape", [
    ((2, 16, 20, 20), (32, 16, 3, 3), 1),   # few channels, several spatial blocks
    ((1, 32, 40, 40), (64, 32, 3, 3), 1),   # many spatial blocks of unequal panel counts
    ((1, 64, 5, 5), (256, 64, 3, 3), 1),    # weights outweigh patches: channel blocks
    ((3, 24, 9, 11), (48, 12, 3, 1), 2),    # groups, non-square kernel, batch
    ((1, 100, 9, 9), (24, 100, 3, 3), 1),   # K = 900: one K chunk, weight panels outer
    ((1, 160, 8, 8), (40, 160, 3, 3), 1),   # K = 1440 on 64 pixels: still one K chunk
    ((2, 160, 9, 9), (40, 160, 3, 3), 1),   # K = 1440 on 81 pixels: 256-row K chunks
    ((1, 512, 7, 7), (512, 512, 3, 3), 1),  # K = 4608 as one chunk, patch panels shared by channel blocks
], ids=["small", "spatial-blocks", "channel-blocks", "groups", "one-chunk", "one-chunk-small-plane", "k-chunks",
        "one-chunk-shared"])
def test_conv_results_identical_across_thread_counts(shape):
    xs, ws, g = shape
    rng = np.random.default_rng(4)
    x, w, b = rand(rng, *xs), rand(rng, *ws), rand(rng, ws[0])
    outs = _same_for_1_to_4_threads(lambda: F.conv2d(x, w, b, padding=1, groups=g))
    want = ref.conv2d(x, w, b, (1, 1), (1, 1, 1, 1), (1, 1), g)
    assert_close(outs[0], want, reduction_atol(ws[1] * ws[2] * ws[3], np.abs(x).max(), np.abs(w).max()))


# Winograd F(4x4, 3x3), F(3x3, 4x4) and F(2x2, 5x5): forced on (CNNCORE_CONV_ALGO=winograd) so every shape
# takes it, edge tiles, channel tails (C, K not multiples of the vector width), K chunks (C > 256),
# asymmetric padding and padding past a tile included. At the scalar cap the reference runs.
WINOGRAD_CASES = [
    (1, 1, 3, 3, 1, 0), (1, 3, 1, 1, 2, 1), (2, 16, 13, 13, 16, 1), (1, 17, 9, 14, 33, 1), (3, 8, 6, 7, 5, 2),
    (1, 33, 16, 16, 65, (0, 1, 2, 1)), (1, 64, 28, 28, 64, 1), (2, 5, 17, 31, 7, "same"), (1, 300, 6, 6, 20, 1),
    (1, 7, 4, 30, 9, (3, 0, 0, 5)), (64, 4, 5, 5, 3, 1),
]
WINOGRAD4_CASES = [
    (1, 1, 4, 4, 1, 0), (1, 3, 1, 1, 2, 2), (2, 16, 13, 13, 16, 1), (1, 17, 9, 14, 33, 2), (3, 8, 6, 7, 5, 3),
    (1, 33, 16, 16, 65, (0, 1, 2, 1)), (1, 64, 28, 28, 64, (1, 1, 2, 2)), (1, 300, 6, 6, 20, 1),
    (1, 7, 4, 30, 9, (3, 0, 0, 3)), (8, 4, 5, 5, 3, 1),
]
WINOGRAD5_CASES = [
    (1, 1, 5, 5, 1, 0), (1, 3, 1, 1, 2, 2), (2, 16, 13, 13, 16, 2), (1, 17, 9, 14, 33, 2), (3, 8, 6, 7, 5, 4),
    (1, 33, 16, 16, 65, (0, 1, 3, 2)), (2, 64, 27, 27, 40, 2), (2, 5, 17, 31, 7, "same"), (1, 300, 6, 6, 20, 2),
    (1, 7, 4, 30, 9, (3, 0, 0, 5)), (8, 4, 5, 5, 3, 1),
]


@pytest.mark.parametrize("k,case", [(3, c) for c in WINOGRAD_CASES] + [(4, c) for c in WINOGRAD4_CASES] +
                         [(5, c) for c in WINOGRAD5_CASES],
                         ids=lambda c: "x".join(map(str, c)).replace(" ", "") if isinstance(c, tuple) else f"k{c}")
def test_conv2d_winograd(k, case, monkeypatch):
    N, C, H, W, K, p = case
    monkeypatch.setenv("CNNCORE_CONV_ALGO", "winograd")
    rng = np.random.default_rng(C * 131 + H + k)
    x, w, b = rand(rng, N, C, H, W), rand(rng, K, C, k, k), rand(rng, K)
    y = F.conv2d(x, w, b, padding=p)
    want = ref.conv2d(x, w, b, (1, 1), _pads_tuple(p) if p != "same" else (k // 2,) * 4)
    assert_close(y, want, winograd_atol(C, np.abs(x).max(), np.abs(w).max(), k), desc=f"winograd {k}x{k} {case}")


# Space to depth first: a stride-s convolution with a filter of 2s < k <= 4s runs as the
# stride-1 3x3 or 4x4 over s*s times the channels, by Winograd (forced here, so small shapes take
# it). Strides 2-4, filters that fold to 3x3 and to 4x4, paddings that put taps past every edge,
# folded rows and columns past the input, batch rows, and channel tails.
S2D_CASES = [  # N, C, H, W, K, k, s, pads (top, left, bottom, right)
    (1, 3, 224, 224, 64, 11, 4, (2, 2, 2, 2)),  # AlexNet conv1 (torchvision)
    (2, 3, 227, 227, 96, 11, 4, (0, 0, 0, 0)),  # AlexNet conv1 (Caffe)
    (1, 3, 23, 19, 5, 9, 4, (4, 1, 0, 3)),
    (1, 2, 17, 18, 7, 12, 4, (0, 5, 11, 0)),
    (3, 5, 20, 21, 17, 5, 2, (2, 2, 2, 2)),
    (1, 1, 9, 9, 1, 6, 2, (0, 0, 1, 1)),
    (1, 4, 25, 16, 9, 7, 3, (3, 0, 1, 2)),
    (2, 6, 31, 30, 20, 9, 3, (4, 4, 4, 4)),
    (1, 3, 64, 64, 64, 7, 2, (3, 3, 3, 3)),  # ResNet conv1 (folds to 4x4)
    (2, 16, 29, 30, 24, 8, 2, (3, 2, 4, 1)),
    (1, 2, 40, 37, 9, 11, 3, (5, 5, 5, 5)),
    (1, 1, 50, 50, 3, 13, 4, (6, 0, 0, 6)),
]


@pytest.mark.parametrize("case", S2D_CASES, ids=lambda c: "x".join(map(str, c[:7])))
def test_conv2d_space_to_depth_winograd(case, isa, monkeypatch):
    N, C, H, W, K, k, s, pads = case
    monkeypatch.setenv("CNNCORE_CONV_ALGO", "winograd")
    rng = np.random.default_rng(C * 7 + H + k)
    x, w, b = rand(rng, N, C, H, W), rand(rng, K, C, k, k), rand(rng, K)
    y = F.conv2d(x, w, b, stride=s, padding=pads)
    want = ref.conv2d(x, w, b, (s, s), pads)
    # the folded problem: C*s*s channels, f x f taps (those past k are zero)
    f = -(-k // s)
    assert_close(y, want, winograd_atol(C * s * s, np.abs(x).max(), np.abs(w).max(), f), desc=f"s2d {case}")


def test_conv2d_space_to_depth_in_a_model(monkeypatch):
    """AlexNet's first layer in a compiled model takes space to depth by itself (test_runtime
    checks the log), with the fused ReLU, bitwise equal results for 1-4 threads and batch rows
    equal to single images."""
    monkeypatch.setenv("CNNCORE_CONV_ALGO", "auto")
    nn = cc.nn
    cc.manual_seed(3)
    net = nn.Sequential(nn.Conv2d(3, 64, 11, stride=4, padding=2), nn.ReLU())
    model = net.to_model()
    rng = np.random.default_rng(4)
    x = rand(rng, 2, 3, 224, 224)
    outs = _same_for_1_to_4_threads(lambda: model(x))
    np.testing.assert_array_equal(model(x[1:2]), outs[0][1:2])
    sd = net.state_dict()
    w = np.array(sd["0.weight"])
    want = np.maximum(ref.conv2d(x, w, np.array(sd["0.bias"]), (4, 4), (2, 2, 2, 2)), 0)
    assert_close(outs[0], want, winograd_atol(48, np.abs(x).max(), np.abs(w).max()), desc="s2d model")


def test_conv2d_winograd_model_epilogue_threads_and_batch(monkeypatch):
    """A compiled conv -> BN -> ReLU (+ residual) block on the Winograd path: the fused epilogue
    matches the unfused reference, results are bitwise equal for 1-4 threads, and each batch row
    equals that image run alone."""
    monkeypatch.setenv("CNNCORE_CONV_ALGO", "auto")
    nn = cc.nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(24, 24, 3, padding=1)
            self.bn = nn.BatchNorm2d(24)

        def forward(self, x):
            return F.relu(self.bn(self.conv(x)) + x)

    cc.manual_seed(5)
    block = Block()
    rng = np.random.default_rng(6)
    sd = block.state_dict()
    sd["bn.running_mean"] = rand(rng, 24, scale=0.1)
    sd["bn.running_var"] = (rng.random(24) + 0.5).astype(np.float32)
    block.load_state_dict(sd)
    model = block.to_model()
    x = rand(rng, 3, 24, 20, 20)
    s = np.array(sd["bn.weight"]) / np.sqrt(np.array(sd["bn.running_var"]) + 1e-5)
    conv = ref.conv2d(x, np.array(sd["conv.weight"]), np.array(sd["conv.bias"]), (1, 1), (1, 1, 1, 1))
    want = np.maximum((conv - np.array(sd["bn.running_mean"])[:, None, None]) * s[:, None, None]
                      + np.array(sd["bn.bias"])[:, None, None] + x, 0)
    outs = _same_for_1_to_4_threads(lambda: model(x))
    for i in range(3):
        np.testing.assert_array_equal(model(x[i:i + 1]), outs[0][i:i + 1])
    wmax = np.abs(np.array(sd["conv.weight"]) * s[:, None, None, None]).max()
    assert_close(outs[0], want, winograd_atol(24, np.abs(x).max(), wmax) + 1e-5, desc="winograd block")


def test_conv_algo_env_is_validated(monkeypatch):
    monkeypatch.setenv("CNNCORE_CONV_ALGO", "fastest")
    x, w = np.ones((1, 4, 8, 8), np.float32), np.ones((4, 4, 3, 3), np.float32)
    if cc.get_max_isa() == "scalar":
        return  # the reference path never reads the setting
    with pytest.raises(ValueError, match="CNNCORE_CONV_ALGO"):
        F.conv2d(x, w, padding=1)


@pytest.mark.parametrize("pads", [(0, 0, 0, 1), (0, 0, 2, 0), (0, 0, 1, 3)])
def test_conv2d_1x1_with_end_only_padding(pads):
    """A 1x1 convolution padded only at the bottom/right is not a plain matrix product: the
    output plane is larger than the input plane and its extra rows/columns are bias only."""
    rng = np.random.default_rng(9)
    x, w, b = rand(rng, 2, 5, 3, 4), rand(rng, 6, 5, 1, 1), rand(rng, 6)
    y = F.conv2d(x, w, b, padding=pads)
    assert_close(y, ref.conv2d(x, w, b, (1, 1), pads), reduction_atol(5, np.abs(x).max(), np.abs(w).max()))


@pytest.mark.parametrize("xs,ws,s,p,d", [
    ((1, 3, 64, 64), (16, 3, 7, 7), 2, 3, 1),    # ResNet conv1 shape
    ((2, 3, 67, 67), (8, 3, 11, 11), 4, 2, 1),   # AlexNet conv1 shape
    ((1, 5, 30, 31), (12, 5, 3, 3), 2, 1, 2),    # strided and dilated
    ((1, 8, 17, 17), (16, 8, 1, 1), 2, 0, 1),    # 1x1 stride-2 downsample
    ((1, 4, 20, 20), (6, 4, 3, 5), 3, (1, 2, 0, 1), 1),
    ((1, 3, 40, 41), (5, 3, 11, 10), 9, (2, 3, 1, 4), 1),  # more than 8 column phases
], ids=["r50-conv1", "alexnet-conv1", "dilated", "1x1-s2", "odd", "stride-9"])
def test_strided_conv_phase_planes(xs, ws, s, p, d):
    """Strided windows read polyphase copies of the input (conv_gemm.cpp): correct, and bitwise
    equal for 1-4 threads."""
    rng = np.random.default_rng(8)
    x, w, b = rand(rng, *xs), rand(rng, *ws), rand(rng, ws[0])
    outs = _same_for_1_to_4_threads(lambda: F.conv2d(x, w, b, stride=s, padding=p, dilation=d))
    want = ref.conv2d(x, w, b, (s, s), _pads_tuple(p), (d, d))
    assert_close(outs[0], want, reduction_atol(ws[1] * ws[2] * ws[3], np.abs(x).max(), np.abs(w).max()))


# Short reductions read their patch rows in place instead of packing them (conv_gemm.cpp,
# rows_in_place): each of these shapes takes that path at the AVX2 and AVX-512 caps (checked by
# test_conv2d_patch_rows_in_place_dispatch below).
IN_PLACE_CASES = [
    ((1, 1, 32, 32), (6, 1, 5, 5), 1, 0, 1, 1),            # LeNet conv1: x itself, 28-pixel rows
    ((2, 3, 37, 60), (16, 3, 3, 3), 1, 1, 1, 1),           # VGG conv1_1-like, batch 2
    ((1, 3, 45, 64), (32, 3, 3, 3), 2, (1, 0, 2, 1), 1, 1),  # MobileNet stem, asymmetric padding
    ((1, 2, 30, 40), (9, 2, 3, 3), 1, 2, 2, 1),            # dilated
    ((3, 4, 21, 35), (8, 2, 3, 3), 1, 1, 1, 2),            # grouped, batch 3
    ((1, 3, 19, 17), (5, 3, 5, 5), 1, 0, 1, 1),            # 13-pixel rows: one partial vector
]


class _ConvSkipAct(cc.nn.Module):
    """A convolution + skip input + activation: one fused GEMM node."""

    def __init__(self, conv, act):
        super().__init__()
        self.conv, self.act = conv, act

    def forward(self, x, skip):
        return self.act(self.conv(x) + skip)


@pytest.mark.parametrize("xs,ws,s,p,d,g", IN_PLACE_CASES)
@pytest.mark.parametrize("act", [None, "ReLU6", "Hardswish"])
def test_conv2d_patch_rows_read_in_place(xs, ws, s, p, d, g, act):
    """First-layer shapes whose GEMM reads the patch rows from the (padded) input: the oracle's
    values and bitwise equal for 1-4 threads; with a skip input and an activation (fused into the
    tiles, or a pass after), bitwise the unfused ops, and the oracle's values."""
    rng = np.random.default_rng(11)
    x, w, b = rand(rng, *xs), rand(rng, *ws), rand(rng, ws[0])
    atol = reduction_atol(ws[1] * ws[2] * ws[3], np.abs(x).max(), np.abs(w).max())
    want = ref.conv2d(x, w, b, (s, s), _pads_tuple(p), (d, d), g)
    if act is None:
        outs = _same_for_1_to_4_threads(lambda: F.conv2d(x, w, b, stride=s, padding=p, dilation=d, groups=g))
        assert_close(outs[0], want, atol)
        return
    conv = cc.nn.Conv2d(xs[1], ws[0], ws[2], stride=s, padding=p, dilation=d, groups=g)
    conv.load_state_dict({"weight": w, "bias": b})
    model = _ConvSkipAct(conv, getattr(cc.nn, act)()).to_model()
    skip = rand(rng, *want.shape)
    fused = model(x, skip)
    nodes = model.optimized_graph(x.shape, skip.shape)["nodes"]
    assert [(n["op"], len(n["inputs"])) for n in nodes] == [("conv2d", 4)]
    model.set_optimize(False)
    np.testing.assert_array_equal(model(x, skip), fused)
    want = ref.activation(act.lower(), want + skip)
    assert_close(fused, want, 2 * atol + 8 * 6e-8 * np.abs(skip).max())


def test_conv2d_patch_rows_in_place_dispatch():
    """Each IN_PLACE_CASES shape takes the in-place path at both SIMD caps, and a long reduction
    (64 channels) keeps the packed panels: read from CNNCORE_VERBOSE=dispatch."""
    code = ("import numpy as np, cnncore as cc\n"
            f"cases = {IN_PLACE_CASES!r}\n"
            "for xs, ws, s, p, d, g in cases + [((1, 64, 20, 20), (64, 64, 3, 3), 1, 1, 1, 1)]:\n"
            "    cc.functional.conv2d(np.ones(xs, np.float32), np.ones(ws, np.float32), stride=s, padding=p,\n"
            "                         dilation=d, groups=g)\n")
    info, order = cc.build_info(), ["scalar", "avx2", "avx512"]
    for cap in [c for c in ("avx2", "avx512") if c in info["isa_compiled"]]:
        if order.index(info["isa_detected"]) < order.index(cap):
            continue
        env = dict(os.environ, CNNCORE_VERBOSE="dispatch", CNNCORE_MAX_ISA=cap)
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
        assert r.returncode == 0, r.stderr
        lines = [ln for ln in r.stderr.splitlines() if "conv-patches" in ln]
        assert len(lines) == len(IN_PLACE_CASES) + 1, r.stderr
        assert all("-> read in place" in ln for ln in lines[:-1]), (cap, lines)
        assert "ic64" in lines[-1] and "-> packed panels (576-row reduction" in lines[-1], (cap, lines)


class _ConvResAct(cc.nn.Module):
    def __init__(self, k, s, act):
        super().__init__()
        self.conv = cc.nn.Conv2d(8, 8, k, stride=s, padding=k // 2)
        self.skip = cc.nn.Conv2d(8, 8, 1, stride=s)
        self.act = act

    def forward(self, x):
        return self.act(self.conv(x) + self.skip(x))


@pytest.mark.parametrize("act", ["ReLU", "ReLU6", "LeakyReLU", "Hardswish", "SiLU"])
@pytest.mark.parametrize("k,s", [(3, 1), (3, 2), (5, 2), (1, 1)])
def test_gemm_fused_residual_and_activation_are_bitwise_the_separate_ops(act, k, s, isa, monkeypatch):
    """Conv + residual + activation fuse into one GEMM node (the residual and ReLU/ReLU6 in the
    tiles, others in a pass after); the unfused graph runs them as ops. Same bits, NaN included."""
    monkeypatch.setenv("CNNCORE_CONV_ALGO", "gemm")
    cc.manual_seed(5)
    model = _ConvResAct(k, s, getattr(cc.nn, act)()).to_model()
    x = rand(np.random.default_rng(4), 2, 8, 13, 15)
    x[1, 2, 6, 6] = np.nan
    fused = model(x)
    assert any(n["op"] == "conv2d" and len(n["inputs"]) == 4 for n in model.optimized_graph(x.shape)["nodes"])
    model.set_optimize(False)
    np.testing.assert_array_equal(model(x), fused)


class _SqueezeExcite(cc.nn.Module):
    def __init__(self, c, r):
        super().__init__()
        self.pool = cc.nn.AdaptiveAvgPool2d(1)
        self.fc1 = cc.nn.Conv2d(c, r, 1)
        self.fc2 = cc.nn.Conv2d(r, c, 1)
        self.act, self.gate = cc.nn.SiLU(), cc.nn.Sigmoid()

    def forward(self, x):
        return x * self.gate(self.fc2(self.act(self.fc1(self.pool(x)))))


@pytest.mark.parametrize("c,r", [(8, 2), (40, 10), (1152, 48), (300, 37)])
def test_1x1_conv_on_1x1_planes(c, r, isa):
    """A 1x1 convolution of 1x1 planes (squeeze-excitation) runs as a fully connected layer: the
    functional op and a compiled squeeze-excitation block against the oracle, every thread count
    giving the same bits, and each batch row the image alone."""
    rng = np.random.default_rng(c)
    x, w, b = rand(rng, 3, c, 1, 1), rand(rng, r, c, 1, 1), rand(rng, r)
    outs = _same_for_1_to_4_threads(lambda: F.conv2d(x, w, b))
    assert_close(outs[0], ref.conv2d(x, w, b), reduction_atol(c, np.abs(x).max(), np.abs(w).max()))
    np.testing.assert_array_equal(F.conv2d(x[1:2], w, None), F.conv2d(x, w, None)[1:2])

    cc.manual_seed(c)
    block = _SqueezeExcite(c, r)
    model = block.to_model()
    xs = rand(rng, 3, c, 5, 4)
    sd = {k: np.asarray(v) for k, v in block.state_dict().items()}
    s = ref.activation("silu", ref.conv2d(ref.adaptive_avg_pool2d(xs, (1, 1)), sd["fc1.weight"], sd["fc1.bias"]))
    want = xs * ref.activation("sigmoid", ref.conv2d(s, sd["fc2.weight"], sd["fc2.bias"]))
    got = _same_for_1_to_4_threads(lambda: model(xs))[0]
    assert_close(got, want, 1e-5 * max(1.0, np.abs(want).max()))
    for i in range(3):
        np.testing.assert_array_equal(model(xs[i:i + 1]), got[i:i + 1])


def test_1x1_conv_on_1x1_planes_fused_residual_is_bitwise_the_separate_ops(isa):
    """Conv 1x1 + residual + ReLU6 on 1x1 planes, fused into one node (the fully connected path
    takes the epilogue), gives the unfused graph's bits, NaN included."""
    cc.manual_seed(6)
    model = _ConvResAct(1, 1, cc.nn.ReLU6()).to_model()
    x = rand(np.random.default_rng(6), 4, 8, 1, 1)
    x[2, 3] = np.nan
    fused = model(x)
    assert any(n["op"] == "conv2d" and len(n["inputs"]) == 4 for n in model.optimized_graph(x.shape)["nodes"])
    model.set_optimize(False)
    np.testing.assert_array_equal(model(x), fused)


@pytest.mark.parametrize("act", ["relu", "relu6"])
@pytest.mark.parametrize("stride", [1, 2])
def test_depthwise_fused_activation_is_bitwise_the_separate_op(act, stride, isa):
    """ReLU/ReLU6 after a depthwise conv run inside the depthwise kernels; the unfused graph runs
    them as their own op. Both must give the same bits (NaN inputs included)."""
    nn = cc.nn
    cc.manual_seed(4)
    model = nn.Sequential(nn.Conv2d(12, 12, 3, stride=stride, padding=1, groups=12),
                          nn.ReLU() if act == "relu" else nn.ReLU6()).to_model()
    x = rand(np.random.default_rng(3), 2, 12, 19, 21)
    x[1, 4, 7, 7] = np.nan
    fused = model(x)
    model.set_optimize(False)
    np.testing.assert_array_equal(model(x), fused)


class _DwRes(cc.nn.Module):
    def __init__(self, c, s, act, k=3):
        super().__init__()
        self.dw = cc.nn.Conv2d(c, c, k, stride=s, padding=k // 2, groups=c)
        self.skip = cc.nn.Conv2d(c, c, 1, stride=s)
        self.act = act

    def forward(self, x):
        return self.act(self.dw(x) + self.skip(x))


@pytest.mark.parametrize("hw", [(7, 7), (14, 13), (19, 21), (70, 66)])
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("act", ["ReLU6", "Hardswish", "SiLU"])
@pytest.mark.parametrize("k", [3, 5])
def test_depthwise_small_and_large_planes_with_residual(hw, stride, act, k, isa):
    """Small output planes (3x3: <= 16x16; 5x5: <= 64x64) run by blocks of channels, larger ones
    by rows; with a fused residual and activation both match the unfused ops bitwise and the
    reference within rounding. 21 channels: a full block and a partial one at either vector width."""
    cc.manual_seed(6)
    model = _DwRes(21, stride, getattr(cc.nn, act)(), k).to_model()
    x = rand(np.random.default_rng(7), 2, 21, *hw)
    fused = model(x)
    model.set_optimize(False)
    np.testing.assert_array_equal(model(x), fused)
    sd = {k: np.array(v) for k, v in model.state_dict().items()}
    dw = ref.conv2d(x, sd["dw.weight"], sd["dw.bias"], (stride, stride), (k // 2,) * 4, (1, 1), 21)
    skip = ref.conv2d(x, sd["skip.weight"], sd["skip.bias"], (stride, stride), (0, 0, 0, 0))
    v = dw + skip
    want = {"ReLU6": lambda: np.minimum(np.maximum(v, 0), 6), "SiLU": lambda: v / (1 + np.exp(-v)),
            "Hardswish": lambda: v * np.minimum(np.maximum(v + 3, 0), 6) / 6}[act]()
    assert_close(fused, want, 4 * reduction_atol(k * k + 21, np.abs(x).max(), 1.0), desc=f"depthwise {k}x{k} {hw} s{stride}")


class _ConvSiluByHand(cc.nn.Module):
    """SiLU as exporters write it: x * sigmoid(x), in either operand order."""

    def __init__(self, flip):
        super().__init__()
        self.conv = cc.nn.Conv2d(6, 10, 3, padding=1)
        self.flip = flip

    def forward(self, x):
        h = self.conv(x)
        return F.sigmoid(h) * h if self.flip else h * F.sigmoid(h)


@pytest.mark.parametrize("flip", [False, True])
def test_sigmoid_times_input_fuses_into_silu(flip, isa):
    """x * sigmoid(x) becomes one silu node, fused into the conv: the same bits as the unfused
    sigmoid and mul for finite values (NaN included)."""
    cc.manual_seed(9)
    model = _ConvSiluByHand(flip).to_model()
    x = rand(np.random.default_rng(4), 2, 6, 11, 9, scale=3.0)
    x[1, 2, 5, 5] = np.nan
    nodes = model.optimized_graph(x.shape)["nodes"]
    assert [(n["op"], n["attrs"].get("activation")) for n in nodes] == [("conv2d", "silu")]
    fused = model(x)
    model.set_optimize(False)
    np.testing.assert_array_equal(model(x), fused)


@pytest.mark.parametrize("act", ["relu", "relu6"])
def test_winograd_fused_activation_is_bitwise_the_separate_op(act, monkeypatch):
    """ReLU/ReLU6 after a Winograd conv runs inside the output transform; the unfused graph runs
    them as their own op. Both must give the same bits (NaN inputs included)."""
    monkeypatch.setenv("CNNCORE_CONV_ALGO", "winograd")
    nn = cc.nn
    cc.manual_seed(3)
    model = nn.Sequential(nn.Conv2d(20, 24, 3, padding=1), nn.ReLU() if act == "relu" else nn.ReLU6()).to_model()
    x = rand(np.random.default_rng(2), 2, 20, 17, 18)
    x[0, 3, 5, 5] = np.nan
    fused = model(x)
    model.set_optimize(False)
    np.testing.assert_array_equal(model(x), fused)
