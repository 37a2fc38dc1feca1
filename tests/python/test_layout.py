"""The blocked layout pass (NCHW16c / NCHW8c inside the graph): depthwise convolutions and the
pointwise ones joined to them run blocked, with reorders where values meet NCHW ops. Checked
against the unoptimized graph at every ISA cap, batch 1 and 3, with channel counts that leave
partial blocks, every depthwise window / stride / dilation / padding kind, fused and unfused
activations, residuals, a squeeze-excitation gate, a blocked value read by both layouts, and
blocked graph outputs."""
import os

import numpy as np
import pytest

import cnncore as cc
from cnncore import nn
from conftest import rand

F = cc.functional


class SepBlock(nn.Module):
    """expand 1x1 -> depthwise k x k -> project 1x1 (+ x when the shapes allow)."""

    def __init__(self, cin, hidden, cout, k=3, stride=1, dilation=1, act="relu6", se=False):
        super().__init__()
        self.se = (nn.Conv2d(hidden, 8, 1), nn.Conv2d(8, hidden, 1)) if se else None
        if se:
            self.se1, self.se2 = self.se
        pad = dilation * (k - 1) // 2
        self.exp = nn.Conv2d(cin, hidden, 1)
        self.dw = nn.Conv2d(hidden, hidden, k, stride=stride, padding=pad, dilation=dilation, groups=hidden)
        self.proj = nn.Conv2d(hidden, cout, 1, bias=False)
        self.act = act
        self.res = stride == 1 and cin == cout

    def forward(self, x):
        a = {"relu6": F.relu6, "relu": F.relu, "hardswish": F.hardswish, "silu": F.silu, "none": lambda v: v}[self.act]
        h = a(self.dw(a(self.exp(x))))
        if self.se:  # squeeze-excitation: pool and gate read the blocked h
            h = h * F.sigmoid(self.se2(F.relu(self.se1(F.global_avg_pool2d(h)))))
        y = self.proj(h)
        return y + x if self.res else y


class SepNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 20, 3, stride=2, padding=1)  # reads NCHW, writes blocked
        self.b1 = SepBlock(20, 40, 20, k=3)                   # residual, 40 = 2.5 blocks of 16
        self.b2 = SepBlock(20, 72, 24, k=5, stride=2, act="hardswish", se=True)
        self.b3 = SepBlock(24, 48, 24, k=3, dilation=2, act="silu")
        self.b4 = SepBlock(24, 33, 17, k=3, stride=2, act="relu")
        self.b5 = SepBlock(17, 17, 17, k=5, act="none")
        self.odd = nn.Conv2d(17, 17, (3, 1), padding=(2, 0), groups=17)  # a non-square depthwise window
        self.pool = nn.MaxPool2d(2, ceil_mode=True)
        self.fc = nn.Linear(17 + 17, 7)

    def forward(self, x):
        y = self.b5(self.b4(self.b3(self.b2(self.b1(F.relu(self.stem(x)))))))
        z = self.odd(y)
        # y feeds the blocked depthwise conv and an NCHW pool: it leaves the blocked region once
        p = F.concat([F.global_avg_pool2d(self.pool(y)), F.global_avg_pool2d(z)], 1)
        return self.fc(F.flatten(p, 1)), z


def build(seed=0):
    cc.manual_seed(seed)
    net = SepNet()
    m = net.to_model()
    ref = cc.Model.from_graph(m.graph, m.state_dict())
    ref.set_optimize(False)
    return m, ref


def layouts(model, shape):
    return [n["attrs"].get("layout") for n in model.optimized_graph(shape)["nodes"] if n["op"] == "conv2d"]


@pytest.mark.parametrize("batch,hw", [(1, 33), (3, 20), (1, 12)])
def test_blocked_region_matches_unoptimized_graph(isa, batch, hw):
    m, ref = build()
    x = rand(np.random.default_rng(batch), batch, 3, hw, hw)
    got, want = m(x), ref(x)
    for g, w in zip(got, want):
        scale = max(1.0, float(np.abs(w).max()))
        np.testing.assert_allclose(g, w, rtol=0, atol=2e-5 * scale)
    lay = layouts(m, x.shape)
    block = {"scalar": None, "avx2": "nchw8c", "avx512": "nchw16c"}[cc.build_info()["isa_active"]]
    # every conv is blocked (the stem reads the NCHW input directly: no reorder before b1) but
    # the gate's two, on 1x1 planes
    assert lay[6:8] == [None, None] and all(v == block for v in lay[:6] + lay[8:]), lay
    ops = [n["op"] for n in m.optimized_graph(x.shape)["nodes"]]
    reorders = (0, 2) if block else (0, 0)  # from_nchwc: y (to the pool) and z (an output)
    assert (ops.count("to_nchwc"), ops.count("from_nchwc")) == reorders, ops


def test_blocked_results_do_not_depend_on_threads():
    m, _ = build(1)
    x = rand(np.random.default_rng(2), 2, 3, 40, 40)
    prev = cc.get_num_threads()
    try:
        outs = []
        for t in (1, 2, 3):
            cc.set_num_threads(t)
            outs.append(m(x))
        for o in outs[1:]:
            for a, b in zip(o, outs[0]):
                np.testing.assert_array_equal(a, b)
    finally:
        cc.set_num_threads(prev)


def test_layout_can_be_turned_off(monkeypatch):
    m, _ = build(2)
    x = rand(np.random.default_rng(3), 1, 3, 16, 16)
    blocked = m(x)
    monkeypatch.setenv("CNNCORE_LAYOUT", "nchw")
    m2, _ = build(2)
    assert all(v is None for v in layouts(m2, x.shape))
    for a, b in zip(m2(x), blocked):
        np.testing.assert_allclose(a, b, rtol=0, atol=2e-5 * max(1.0, float(np.abs(b).max())))
    monkeypatch.setenv("CNNCORE_LAYOUT", "nhwc")
    m3, _ = build(2)
    with pytest.raises(cc.InvalidArgumentError, match="CNNCORE_LAYOUT"):
        m3(x)


def test_lone_pointwise_layers_stay_nchw():
    """ResNet's 1x1 layers and first layer have no depthwise neighbour: the NCHW GEMM runs them,
    no reorders."""
    cc.manual_seed(3)
    net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Conv2d(8, 16, 1), nn.ReLU(), nn.Conv2d(16, 16, 3, padding=1),
                        nn.Conv2d(16, 8, 1))
    m = net.to_model()
    ops = [n["op"] for n in m.optimized_graph((1, 3, 10, 10))["nodes"]]
    assert "to_nchwc" not in ops and all(v is None for v in layouts(m, (1, 3, 10, 10)))


def test_lone_depthwise_layers_stay_nchw(isa):
    """Depthwise convs with no pointwise, Winograd or first-layer conv in their region would read
    and write through reorders on both sides: the NCHW depthwise kernel runs them."""
    cc.manual_seed(5)
    net = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1, groups=8), nn.ReLU(), nn.Conv2d(8, 8, 3, stride=2, groups=8),
                        nn.MaxPool2d(2), nn.Conv2d(8, 8, 5, padding=2, groups=8))
    m = net.to_model()
    shape = (2, 8, 30, 30)
    ops = [n["op"] for n in m.optimized_graph(shape)["nodes"]]
    assert "to_nchwc" not in ops and all(v is None for v in layouts(m, shape)), ops
    ref = cc.Model.from_graph(m.graph, m.state_dict())
    ref.set_optimize(False)
    x = rand(np.random.default_rng(6), *shape)
    np.testing.assert_allclose(m(x), ref(x), rtol=0, atol=1e-5)


def test_nan_and_inf_stay_in_their_channels(isa):
    """Padding lanes and the other channels of a block must not see a NaN or Inf input."""
    cc.manual_seed(4)
    net = nn.Sequential(nn.Conv2d(5, 5, 3, padding=1, groups=5), nn.Conv2d(5, 3, 1))
    m = net.to_model()
    x = rand(np.random.default_rng(5), 1, 5, 6, 6)
    x[0, 1, 2, 2] = np.nan
    x[0, 3, 4, 4] = np.inf
    got = m(x)
    ref = cc.Model.from_graph(m.graph, m.state_dict())
    ref.set_optimize(False)
    want = ref(x)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    fin = np.isfinite(want)
    np.testing.assert_allclose(got[fin], want[fin], rtol=1e-5, atol=1e-5)


class RandomNet(nn.Module):
    """A stack of random separable blocks (and an occasional plain conv that ends the region)."""

    def __init__(self, rng):
        super().__init__()
        c = int(rng.integers(1, 5))
        self.stem = nn.Conv2d(3, c, int(rng.choice([1, 3])), padding=int(rng.integers(0, 2)))
        self.blocks = []
        for i in range(int(rng.integers(1, 4))):
            hidden, cout = int(rng.integers(1, 41)), int(rng.choice([c, int(rng.integers(1, 33))]))
            k, dil = int(rng.choice([1, 3, 5, 7])), int(rng.choice([1, 1, 2]))
            blk = SepBlock(c, hidden, cout, k=k, stride=int(rng.choice([1, 2])), dilation=dil,
                           act=str(rng.choice(["relu6", "relu", "hardswish", "silu", "none"])), se=bool(rng.integers(0, 2)))
            setattr(self, f"b{i}", blk)
            self.blocks.append(blk)
            c = cout
        self.tail = nn.Conv2d(c, 5, 3, padding=1) if rng.integers(0, 2) else None

    def forward(self, x):
        y = self.stem(x)
        for b in self.blocks:
            y = b(y)
        return self.tail(y) if self.tail else y


@pytest.mark.parametrize("seed", range(12))
def test_random_separable_nets_match_unoptimized_graph(isa, seed):
    rng = np.random.default_rng(100 + seed)
    cc.manual_seed(seed)
    net = RandomNet(rng)
    m = net.to_model()
    ref = cc.Model.from_graph(m.graph, m.state_dict())
    ref.set_optimize(False)
    hw = int(rng.integers(9, 30))
    x = rand(rng, int(rng.integers(1, 4)), 3, hw, hw + int(rng.integers(-2, 3)))
    want = ref(x)
    got = m(x)
    np.testing.assert_allclose(got, want, rtol=0, atol=5e-5 * max(1.0, float(np.abs(want).max())),
                               err_msg=f"seed {seed}, input {x.shape}")


def _sep_graph(seed, shared):
    """depthwise 3x3 -> pointwise, from a graph with named weights; when `shared`, the pointwise
    weight is also read raw (relu of it is a second output), so its raw copy must stay."""
    rng = np.random.default_rng(seed)
    w = {"wd": rand(rng, 20, 1, 3, 3), "bd": rand(rng, 20), "wp": rand(rng, 12, 20, 1, 1), "bp": rand(rng, 12)}
    node = lambda name, op, ins, attrs=None: {"name": name, "op": op, "inputs": ins, "outputs": [name],
                                             "attrs": attrs or {}}
    nodes = [node("d", "conv2d", ["x", "wd", "bd"], {"groups": 20, "pads": [1, 1, 1, 1]}),
             node("y", "conv2d", ["d", "wp", "bp"])]
    outputs = ["y"]
    if shared:
        nodes.append(node("t", "relu", ["wp"]))
        outputs.append("t")
    return cc.Model.from_graph({"inputs": ["x"], "outputs": outputs, "nodes": nodes}, w), w


@pytest.mark.parametrize("shared", [False, True])
def test_blocked_weights_rebuild_the_raw_weights_exactly(isa, shared):
    """Weights read only through their blocked packing have the raw copy released; plans for
    other batch sizes and ISA caps, state_dict and save must still see them."""
    m, w = _sep_graph(7, shared)
    ref, _ = _sep_graph(7, shared)
    outs = lambda model, x: [model(x)] if not shared else list(model(x))
    rng = np.random.default_rng(8)
    x1, x3 = rand(rng, 1, 20, 9, 9), rand(rng, 3, 20, 9, 9)
    y1, y3 = outs(m, x1), outs(m, x3)
    for other in ("scalar", "avx2", "avx512"):
        if other in cc.build_info()["isa_compiled"]:
            cc.set_max_isa(other)
            for got, want in zip(outs(m, x1), y1):
                np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    cc.set_max_isa(isa)
    for got, want in zip(outs(m, x3) + outs(ref, x1), y3 + y1):
        np.testing.assert_array_equal(got, want)
    sd = m.state_dict()
    for k, v in w.items():
        np.testing.assert_array_equal(sd[k], v)
    for got, want in zip(outs(cc.Model.from_bytes(m.to_bytes()), x3), y3):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("pad_mode", ["same_upper", "same_lower", "valid"])
def test_pad_modes_run_blocked(isa, pad_mode):
    rng = np.random.default_rng(9)
    w = {"wd": rand(rng, 8, 1, 3, 3), "wp": rand(rng, 6, 8, 1, 1)}
    g = {"inputs": ["x"], "outputs": ["y"], "nodes": [
        {"name": "d", "op": "conv2d", "inputs": ["x", "wd"], "outputs": ["d"],
         "attrs": {"groups": 8, "pad_mode": pad_mode, "stride": [2, 2]}},
        {"name": "y", "op": "conv2d", "inputs": ["d", "wp"], "outputs": ["y"], "attrs": {}}]}
    m, ref = cc.Model.from_graph(g, w), cc.Model.from_graph(g, w)
    ref.set_optimize(False)
    x = rand(rng, 2, 8, 10, 9)
    np.testing.assert_allclose(m(x), ref(x), rtol=1e-5, atol=1e-5)
    simd = cc.build_info()["isa_active"] != "scalar"
    assert [n["attrs"].get("layout") is not None for n in m.optimized_graph(x.shape)["nodes"] if n["op"] == "conv2d"] == [simd] * 2


def test_blocked_batch_rows_match_single_images():
    """A batch row equals that image run alone, bitwise (the bands of rows differ with the batch;
    each output's arithmetic does not)."""
    m, _ = build(3)
    x = rand(np.random.default_rng(10), 5, 3, 36, 36)
    full = m(x)
    for i in range(5):
        for a, b in zip(m(x[i:i + 1]), full):
            np.testing.assert_array_equal(a, b[i:i + 1])


def _one(op, inputs, attrs, weights, outputs=("y",)):
    nodes = [{"name": "y", "op": op, "inputs": inputs, "outputs": list(outputs), "attrs": attrs}]
    return cc.Model.from_graph({"inputs": ["x"], "outputs": list(outputs), "nodes": nodes}, weights)


@pytest.mark.parametrize("op,attrs,xshape,wshape,match", [
    ("to_nchwc", {"block": 0}, (1, 4, 3, 3), None, "block"),
    ("to_nchwc", {"block": 16}, (1, 4, 3), None, "4-D"),
    ("from_nchwc", {"channels": 40}, (1, 2, 3, 3, 16), None, "channels"),
    ("from_nchwc", {"channels": 8}, (1, 4, 3, 3), None, "5-D"),
    ("conv2d", {"layout": "nchw16c", "groups": 8}, (1, 1, 3, 3, 8), (8, 1, 3, 3), "block"),
    ("conv2d", {"layout": "nchwxc"}, (1, 1, 3, 3, 16), (8, 16, 1, 1), "layout"),
    ("conv2d", {"layout": "nchw16c", "groups": 2}, (1, 1, 5, 5, 16), (8, 8, 3, 3), "one-group"),
    ("conv2d", {"layout": "nchw16c", "groups": 2}, (1, 4, 5, 5), (8, 2, 3, 3), "one group"),
    ("adaptive_avg_pool2d", {"layout": "nchw16c", "channels": 20, "output_size": [2, 2]}, (1, 2, 4, 4, 16), None,
     "output_size"),
    ("adaptive_avg_pool2d", {"layout": "nchw16c", "channels": 40}, (1, 2, 4, 4, 16), None, "channels"),
])
def test_bad_blocked_nodes_raise(op, attrs, xshape, wshape, match):
    """Blocked nodes written by hand (a .cnnc file or Graph dict) get clear errors, never a crash."""
    rng = np.random.default_rng(11)
    w = {"w": rand(rng, *wshape)} if wshape else {}
    m = _one(op, ["x", "w"] if wshape else ["x"], attrs, w)
    m.set_optimize(False)
    with pytest.raises((cc.InvalidArgumentError, cc.UnsupportedError), match=match):
        m(rand(rng, *xshape))


def test_bad_blocked_scale_raises():
    rng = np.random.default_rng(12)
    g = {"inputs": ["x", "s"], "outputs": ["y"],
         "nodes": [{"name": "y", "op": "mul", "inputs": ["x", "s"], "outputs": ["y"],
                    "attrs": {"layout": "nchw16c", "channels": 20}}]}
    m = cc.Model.from_graph(g, {})
    m.set_optimize(False)
    with pytest.raises(cc.InvalidArgumentError, match="scaled by"):
        m.run({"x": rand(rng, 1, 2, 4, 4, 16), "s": rand(rng, 1, 20, 2, 1)})


class Bottleneck(nn.Module):
    """ResNet's bottleneck: 1x1 -> 3x3 (on Winograd) -> 1x1 + x, and a stride-2 variant (its 3x3
    on the blocked k x k kernel, its downsampling 1x1 blocked)."""

    def __init__(self, cin, mid, cout, stride=1):
        super().__init__()
        self.c1, self.c3 = nn.Conv2d(cin, mid, 1), nn.Conv2d(mid, cout, 1)
        self.c2 = nn.Conv2d(mid, mid, 3, stride=stride, padding=1)
        self.down = nn.Conv2d(cin, cout, 1, stride=stride) if stride != 1 or cin != cout else None

    def forward(self, x):
        y = self.c3(F.relu(self.c2(F.relu(self.c1(x)))))
        return F.relu(y + (self.down(x) if self.down else x))


class BottleNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 40, 3, padding=1)
        self.b1 = Bottleneck(40, 24, 40)          # 40 and 24 channels: partial blocks of 16 and 8
        self.b2 = Bottleneck(40, 32, 72)          # downsampling 1x1 (stride 1, channels change)
        self.b3 = Bottleneck(72, 20, 72)
        self.b4 = Bottleneck(72, 32, 64, stride=2)  # a 3x3 stride 2 (blocked k x k)
        self.b5 = Bottleneck(64, 16, 64)

    def forward(self, x):
        return self.b5(self.b4(self.b3(self.b2(self.b1(F.relu(self.stem(x)))))))


@pytest.mark.parametrize("batch,hw", [(1, 30), (2, 17)])
def test_bottlenecks_run_blocked_on_winograd(isa, batch, hw):
    cc.manual_seed(5)
    net = BottleNet()
    m = net.to_model()
    ref = cc.Model.from_graph(m.graph, m.state_dict())
    ref.set_optimize(False)
    x = rand(np.random.default_rng(13), batch, 3, hw, hw)
    got, want = m(x), ref(x)
    scale = max(1.0, float(np.abs(want).max()))
    np.testing.assert_allclose(got, want, rtol=0, atol=2e-4 * scale)  # Winograd's rounding (docs/ops.md)
    nodes = m.optimized_graph(x.shape)["nodes"]
    lay = {n["name"]: n["attrs"].get("layout") for n in nodes if n["op"] == "conv2d"}
    block = {"scalar": None, "avx2": "nchw8c", "avx512": "nchw16c"}[cc.build_info()["isa_active"]]
    # at 30x30 every convolution: the stride-1 bottlenecks' 3x3 on Winograd, the stride-2 3x3
    # (15x15 out) on the k x k kernel, the stride-2 downsampling 1x1 and the stem; one reorder,
    # at the output. At 17x17 the 3x3 layers on 9x9 outputs (b4's stride 2, and b5's, with too
    # few tiles for Winograd) stay on the NCHW GEMM between reorders.
    nchw = set() if hw == 30 else {"b4.c2", "b5.c2"}
    assert len(lay) == 18 and all(v == (None if k in nchw else block) for k, v in lay.items()), lay
    ops = [n["op"] for n in nodes]
    reorders = (0, 1) if hw == 30 else (2, 3)
    assert (ops.count("to_nchwc"), ops.count("from_nchwc")) == (reorders if block else (0, 0)), ops
    if block:
        for t in (1, 3):
            prev = cc.get_num_threads()
            cc.set_num_threads(t)
            try:
                np.testing.assert_array_equal(m(x), got)
            finally:
                cc.set_num_threads(prev)


# ----------------------------------------------------------------------------- pointwise -> depthwise

def _conv_feeds(rng, N, C, H, W, K, kern, stride, dil, pads, residual):
    """Input x (and residual r, shaped as the output) of a convolution, and its output size."""
    oh = (H + pads[0] + pads[2] - dil * (kern[0] - 1) - 1) // stride + 1
    ow = (W + pads[1] + pads[3] - dil * (kern[1] - 1) - 1) // stride + 1
    feeds = {"x": rand(rng, N, C, H, W)}
    if residual:
        feeds["r"] = rand(rng, N, K, oh, ow)
    return feeds, (oh, ow)


def _same_at_threads(run, want, threads):
    prev = cc.get_num_threads()
    try:
        for t in threads:
            cc.set_num_threads(t)
            np.testing.assert_array_equal(run(), want, err_msg=f"{t} threads")
    finally:
        cc.set_num_threads(prev)


def _separable_graph(c, k, p, dw_attrs, acts, parts, residual, L, fused, stem=None):
    """to_nchwc -> [1x1 expansion c -> k] -> depthwise over k -> [1x1 projection k -> p] ->
    from_nchwc on the blocked layout (parts: "e", "p" or "ep"), as separate conv2d nodes or as
    one separable_conv2d node; the residual goes to the last convolution. With `stem` (conv2d
    attributes), the expansion is a first layer reading x as NCHW instead (no to_nchwc)."""
    node = lambda name, op, ins, attrs: {"name": name, "op": op, "inputs": ins, "outputs": [name], "attrs": attrs}
    act = lambda a, prefix="": {prefix + "activation": a[0], prefix + "act_alpha": a[1], prefix + "act_beta": a[2]} if a else {}
    ex_act, dw_act, pj_act = acts
    lay = {"layout": f"nchw{L}c"}
    res = ["rb"] if residual else []
    nodes = [] if stem else [node("xb", "to_nchwc", ["x"], {"block": L})]
    xin = "x" if stem else "xb"
    stem = stem or {}
    if residual:
        nodes.append(node("rb", "to_nchwc", ["r"], {"block": L}))
    if fused:
        ins = [xin, "wd", "bd", res[0] if res else "", "we" if "e" in parts else "", "be" if "e" in parts else "",
               "wp" if "p" in parts else "", "bp" if "p" in parts else ""]
        while not ins[-1]:
            ins.pop()
        attrs = {**dw_attrs, **lay, **act(dw_act)}
        attrs.update({**act(ex_act, "expand_"), **{"expand_" + k: v for k, v in stem.items()}} if "e" in parts else {})
        attrs.update(act(pj_act, "project_") if "p" in parts else {})
        nodes.append(node("out", "separable_conv2d", ins, attrs))
    else:
        v = xin
        if "e" in parts:
            nodes.append(node("e", "conv2d", [xin, "we", "be"], {**lay, **act(ex_act), **stem}))
            v = "e"
        nodes.append(node("d", "conv2d", [v, "wd", "bd"] + ([] if "p" in parts else res),
                          {**dw_attrs, **lay, **act(dw_act)}))
        if "p" in parts:
            nodes.append(node("out", "conv2d", ["d", "wp", "bp"] + res, {**lay, **act(pj_act)}))
        else:
            nodes[-1]["outputs"] = ["out"]
    nodes.append(node("y", "from_nchwc", ["out"], {"channels": p if "p" in parts else k}))
    return {"inputs": ["x"] + (["r"] if residual else []), "outputs": ["y"], "nodes": nodes}


RELU6, HSWISH, SILU, LEAKY = ("clip", 0.0, 6.0), ("hardswish", 0.0, 0.0), ("silu", 0.0, 0.0), ("leaky_relu", 0.1, 0.0)
NONE = None
# (parts, C, K, P, N, H, W, kernel, stride, dilation, pads, (expand, depthwise, project act), residual):
# MobileNetV2's blocks (expand, both, depthwise + project), tall planes whose rows take several
# steps through the scratch (the rows two steps share are kept), wide rows (a step of one or two
# output rows), planes of one or two rows, windows wider than the plane, pads past the window,
# partial blocks, and exp-based activations (a pass after).
SEPARABLE_CASES = [
    ("e", 16, 96, 0, 1, 112, 112, (3, 3), 2, 1, (1, 1, 1, 1), (RELU6, RELU6, NONE), False),
    ("ep", 24, 144, 24, 1, 56, 56, (3, 3), 1, 1, (1, 1, 1, 1), (RELU6, RELU6, NONE), True),
    ("p", 32, 32, 16, 1, 112, 112, (3, 3), 1, 1, (1, 1, 1, 1), (NONE, RELU6, NONE), False),
    ("ep", 8, 48, 20, 2, 150, 40, (5, 5), 1, 1, (2, 2, 2, 2), (SILU, SILU, SILU), False),
    ("e", 5, 33, 0, 3, 97, 64, (5, 5), 2, 1, (2, 1, 2, 1), (HSWISH, HSWISH, NONE), False),
    ("p", 7, 40, 9, 1, 200, 3, (3, 3), 1, 2, (2, 2, 2, 2), (NONE, LEAKY, HSWISH), True),
    ("ep", 4, 20, 33, 1, 5, 700, (3, 3), 2, 1, (0, 1, 1, 0), (RELU6, NONE, LEAKY), False),
    ("e", 3, 17, 0, 2, 1, 40, (3, 3), 1, 1, (1, 1, 1, 1), (RELU6, RELU6, NONE), True),
    ("ep", 6, 24, 6, 1, 2, 9, (5, 5), 1, 1, (2, 2, 2, 2), (NONE, NONE, NONE), True),
    ("e", 9, 30, 0, 1, 61, 33, (3, 1), 1, 1, (3, 0, 0, 0), (LEAKY, RELU6, NONE), False),
    ("ep", 12, 64, 40, 2, 47, 47, (3, 3), 3, 1, (4, 4, 4, 4), (RELU6, RELU6, RELU6), False),
    ("p", 16, 32, 17, 1, 80, 80, (3, 3), 2, 1, (0, 0, 0, 0), (NONE, RELU6, NONE), True),
]


# A first layer as the expansion (reading x as NCHW): (C, stem kernel, stride, pads) with the
# depthwise part of a SEPARABLE_CASES row: MobileNetV2's stem, a 5x5 one, a 2x2 unpadded one.
STEM_CASES = [
    ((3, (3, 3), 2, (1, 1, 1, 1)), ("ep", 0, 32, 16, 1, 112, 112, (3, 3), 1, 1, (1, 1, 1, 1), (RELU6, RELU6, NONE), False)),
    ((4, (5, 5), 1, (2, 2, 2, 2)), ("e", 0, 20, 0, 2, 61, 47, (3, 3), 2, 1, (1, 1, 1, 1), (SILU, SILU, NONE), True)),
    ((1, (2, 2), 2, (0, 0, 0, 0)), ("ep", 0, 40, 24, 1, 90, 30, (5, 5), 1, 1, (2, 2, 2, 2), (HSWISH, RELU6, NONE), True)),
]


@pytest.mark.parametrize("stem,case", STEM_CASES, ids=lambda c: str(c[0]) if isinstance(c[0], int) else c[0])
def test_separable_node_with_a_first_layer(isa, stem, case):
    """The expansion may be a first layer reading NCHW (the direct kernel, any stride and pads):
    the same bits as the separate nodes."""
    C, kern0, s0, pads0 = stem
    parts, _, K, P, N, H, W, kern, stride, dil, pads, acts, residual = case
    L = 16 if isa == "avx512" else 8
    rng = np.random.default_rng(C + K + H)
    w = {"wd": rand(rng, K, 1, *kern), "bd": rand(rng, K), "we": rand(rng, K, C, *kern0), "be": rand(rng, K),
         "wp": rand(rng, max(P, 1), K, 1, 1), "bp": rand(rng, max(P, 1))}
    dw_attrs = {"groups": K, "stride": [stride, stride], "dilation": [dil, dil], "pads": list(pads)}
    stem_attrs = {"stride": [s0, s0], "pads": list(pads0)}
    models = []
    for fused in (False, True):
        m = cc.Model.from_graph(_separable_graph(C, K, P, dw_attrs, acts, parts, residual, L, fused, stem_attrs), w)
        m.set_optimize(False)
        models.append(m)
    h0 = (H + pads0[0] + pads0[2] - kern0[0]) // s0 + 1
    w0 = (W + pads0[1] + pads0[3] - kern0[1]) // s0 + 1
    out_c = P if "p" in parts else K
    feeds, (oh, ow) = _conv_feeds(rng, N, C, H, W, out_c, kern, stride, dil, pads, residual)
    if residual:  # the residual matches the output, whose plane follows the stem's
        oh = (h0 + pads[0] + pads[2] - dil * (kern[0] - 1) - 1) // stride + 1
        ow = (w0 + pads[1] + pads[3] - dil * (kern[1] - 1) - 1) // stride + 1
        feeds["r"] = rand(rng, N, out_c, oh, ow)
    want = models[0].run(feeds)["y"]
    _same_at_threads(lambda: models[1].run(feeds)["y"], want, (1, 2, 3))


@pytest.mark.parametrize("case", SEPARABLE_CASES, ids=lambda c: "{}_c{}k{}p{}n{}_{}x{}".format(*c[:7]))
def test_separable_node_matches_the_separate_convolutions(isa, case):
    """separable_conv2d gives the bits of the expansion, depthwise and projection nodes it
    replaces, at every ISA cap (with the block width that ISA's kernels take) and thread count."""
    parts, C, K, P, N, H, W, kern, stride, dil, pads, acts, residual = case
    L = 16 if isa == "avx512" else 8
    rng = np.random.default_rng(sum(case[1:7]))
    cin = C if "e" in parts else K
    w = {"wd": rand(rng, K, 1, *kern), "bd": rand(rng, K), "we": rand(rng, K, C, 1, 1), "be": rand(rng, K),
         "wp": rand(rng, max(P, 1), K, 1, 1), "bp": rand(rng, max(P, 1))}
    dw_attrs = {"groups": K, "stride": [stride, stride], "dilation": [dil, dil], "pads": list(pads)}
    models = []
    for fused in (False, True):
        m = cc.Model.from_graph(_separable_graph(cin, K, P, dw_attrs, acts, parts, residual, L, fused), w)
        m.set_optimize(False)
        models.append(m)
    out_c = P if "p" in parts else K
    feeds, (oh, ow) = _conv_feeds(rng, N, cin, H, W, out_c, kern, stride, dil, pads, residual)
    want = models[0].run(feeds)["y"]
    assert want.shape == (N, out_c, oh, ow)
    _same_at_threads(lambda: models[1].run(feeds)["y"], want, (1, 2, 3))


def test_large_separable_blocks_are_fused(isa):
    """The layout pass fuses an expansion whose output is large (here 96x64x64, 1.5 MB) and a
    projection whose input is (96x32x32, 384 KB: not) with their depthwise convolution, and leaves
    a small block (24x16x16) as three nodes; the model still matches the unoptimized graph, its
    batch rows match single images bitwise, and its weights survive state_dict and save."""
    cc.manual_seed(21)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.big = SepBlock(16, 96, 24, k=3, stride=2)
            self.wide = SepBlock(24, 144, 24, k=3)  # 144x32x32 = 576 KB both sides
            self.small = SepBlock(24, 24, 24, k=5, act="hardswish")

        def forward(self, x):
            return self.small(self.wide(self.big(x)))

    m = Net().to_model()
    ref = cc.Model.from_graph(m.graph, m.state_dict())
    ref.set_optimize(False)
    simd = cc.build_info()["isa_active"] != "scalar"
    shape = (2, 16, 64, 64)
    nodes = m.optimized_graph(shape)["nodes"]
    fused = [n["name"] for n in nodes if n["op"] == "separable_conv2d"]
    assert fused == (["big.exp+big.dw", "wide.exp+wide.dw+wide.proj"] if simd else []), fused
    x = rand(np.random.default_rng(22), *shape)
    got = m(x)
    np.testing.assert_allclose(got, ref(x), rtol=0, atol=5e-5 * max(1.0, float(np.abs(got).max())))
    np.testing.assert_array_equal(m(x[1:]), got[1:])
    for k, v in ref.state_dict().items():
        np.testing.assert_array_equal(m.state_dict()[k], v)
    np.testing.assert_array_equal(cc.Model.from_bytes(m.to_bytes())(x), got)


def test_wide_windows_on_small_planes_keep_their_expansion_apart():
    """Row bands would make an eighth or more of a small plane's expansion twice (the rows a 5x5
    window shares at each band's edge): there only the projection is fused."""
    cc.manual_seed(24)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.k3 = SepBlock(16, 672, 16, k=3)  # 672x20x20 = 1 MB; 3x3 shares 2 rows of 20
            self.k5 = SepBlock(16, 672, 16, k=5)  # 5x5 shares 4

        def forward(self, x):
            return self.k5(self.k3(x))

    m = Net().to_model()
    fused = [n["name"] for n in m.optimized_graph((1, 16, 20, 20))["nodes"] if n["op"] == "separable_conv2d"]
    simd = cc.build_info()["isa_active"] != "scalar"
    assert fused == (["k3.exp+k3.dw+k3.proj", "k5.dw+k5.proj"] if simd else []), fused
    ref = cc.Model.from_graph(m.graph, m.state_dict())
    ref.set_optimize(False)
    x = rand(np.random.default_rng(25), 1, 16, 20, 20)
    got = m(x)
    np.testing.assert_allclose(got, ref(x), rtol=0, atol=5e-5 * max(1.0, float(np.abs(got).max())))


@pytest.mark.parametrize("ins,attrs,we,wd,match", [
    (["x", "wd", "", "", "we"], {}, (8, 4, 1, 1), (8, 1, 3, 3), "layout"),
    (["x", "wd"], {"layout": "nchw8c", "groups": 8}, (8, 4, 1, 1), (8, 1, 3, 3), "expansion or a projection"),
    (["x", "wd", "", "", "we"], {"layout": "nchw8c", "groups": 8}, (8, 4, 3, 3), (8, 1, 3, 3), "1x1"),
    (["x", "wd", "", "", "we"], {"layout": "nchw8c", "groups": 1}, (8, 4, 1, 1), (8, 8, 3, 3), "depthwise"),
    (["x", "wd", "", "", "we"], {"layout": "nchw8c", "groups": 8}, (8, 4, 1, 1), (6, 1, 3, 3),
     "groups|channels|depthwise"),
    (["x", "wd", "", "", "we"], {"layout": "nchw8c", "groups": 8, "expand_activation": "swish"}, (8, 4, 1, 1),
     (8, 1, 3, 3), "activation"),
    (["x", "wd", "", "", "", "", "we"], {"layout": "nchw8c", "groups": 4}, (8, 4, 3, 3), (4, 1, 3, 3), "1x1"),
])
def test_bad_separable_nodes_raise(ins, attrs, we, wd, match):
    rng = np.random.default_rng(23)
    w = {"we": rand(rng, *we), "wd": rand(rng, *wd)}
    m = _one("separable_conv2d", ins, attrs, w)
    m.set_optimize(False)
    with pytest.raises((cc.InvalidArgumentError, cc.UnsupportedError), match=match):
        m(rand(rng, 1, 1, 6, 6, 8))


# ----------------------------------------------------------------------------- k x k on blocked input

# (C, K, N, H, W, kernel, stride, dilation, pads (top, left, bottom, right), activation, residual):
# ResNet's stride-2 3x3 and 3x3 on 7x7 planes (register tiles spanning rows), dilation, an
# asymmetric 7x7 stride 2, unpadded ones read in place (one leaving the last row and column
# unread), non-square windows, a 1x1 output, partial input and output blocks, batches.
KXK_CASES = [
    (20, 24, 1, 56, 56, (3, 3), 2, 1, (1, 1, 1, 1), RELU6, False),
    (33, 17, 2, 7, 7, (3, 3), 1, 1, (1, 1, 1, 1), ("relu", 0.0, 0.0), True),
    (8, 16, 1, 20, 31, (5, 5), 1, 2, (4, 4, 4, 4), SILU, False),
    (16, 40, 3, 15, 9, (7, 7), 2, 1, (3, 2, 1, 0), HSWISH, False),
    (12, 8, 1, 11, 12, (3, 3), 2, 1, (0, 0, 0, 0), None, False),
    (9, 20, 1, 9, 40, (1, 3), 1, 1, (0, 1, 0, 1), RELU6, False),
    (24, 24, 1, 3, 3, (3, 3), 3, 1, (1, 1, 1, 1), ("relu", 0.0, 0.0), True),
    (40, 64, 1, 14, 14, (3, 3), 2, 1, (1, 1, 1, 1), ("relu", 0.0, 0.0), True),
    (17, 33, 2, 5, 70, (2, 2), 2, 1, (0, 0, 0, 0), LEAKY, False),
]


def _kxk_graph(attrs, K, act, residual, L):
    """One conv2d node on NCHW (L = 0), or between reorders on the blocked layout of width L."""
    node = lambda name, op, ins, a: {"name": name, "op": op, "inputs": ins, "outputs": [name], "attrs": a}
    a = {**attrs, **({"activation": act[0], "act_alpha": act[1], "act_beta": act[2]} if act else {})}
    ins = ["x", "w", "b"] + (["r"] if residual else [])
    if not L:
        return {"inputs": ["x"] + ins[3:], "outputs": ["y"], "nodes": [node("y", "conv2d", ins, a)]}
    nodes = [node("xb", "to_nchwc", ["x"], {"block": L})]
    if residual:
        nodes.append(node("rb", "to_nchwc", ["r"], {"block": L}))
    nodes += [node("yb", "conv2d", ["xb", "w", "b"] + (["rb"] if residual else []), {**a, "layout": f"nchw{L}c"}),
              node("y", "from_nchwc", ["yb"], {"channels": K})]
    return {"inputs": ["x"] + ins[3:], "outputs": ["y"], "nodes": nodes}


@pytest.mark.parametrize("case", KXK_CASES, ids=lambda c: "c{}k{}n{}_{}x{}_k{}s{}d{}".format(*c[:6], c[6], c[7]))
def test_blocked_kxk_conv_matches_the_nchw_conv(isa, case):
    """A one-group convolution on a blocked input (the general k x k kernel, not Winograd) gives
    the NCHW convolution's values within float rounding, at every ISA cap, the same bits at 1-3
    threads."""
    C, K, N, H, W, kern, stride, dil, pads, act, residual = case
    L = 16 if isa == "avx512" else 8
    rng = np.random.default_rng(sum(case[:5]))
    w = {"w": rand(rng, K, C, *kern), "b": rand(rng, K)}
    attrs = {"stride": [stride, stride], "dilation": [dil, dil], "pads": list(pads)}
    models = []
    for lay in (0, L):
        m = cc.Model.from_graph(_kxk_graph(attrs, K, act, residual, lay), w)
        m.set_optimize(False)
        models.append(m)
    feeds, (oh, ow) = _conv_feeds(rng, N, C, H, W, K, kern, stride, dil, pads, residual)
    want = models[0].run(feeds)["y"]
    got = models[1].run(feeds)["y"]
    assert got.shape == want.shape == (N, K, oh, ow)
    np.testing.assert_allclose(got, want, rtol=0, atol=2e-5 * max(1.0, float(np.abs(want).max())) * np.sqrt(C))
    _same_at_threads(lambda: models[1].run(feeds)["y"], got, (1, 3))
