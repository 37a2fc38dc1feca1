"""ONNX import: the onnx package's backend node tests, zoo models exported from PyTorch, the
unsupported-op report, and hostile files (each loaded in a subprocess, so a crash would fail)."""
import io
import json
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import cnncore as cc

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

SUPPORTED_OPS = {
    "Conv", "ConvTranspose", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "Gemm", "MatMul", "Relu",
    "LeakyRelu", "PRelu", "Elu", "Selu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Clip", "Gelu", "Erf", "Softplus",
    "Softmax", "LogSoftmax", "BatchNormalization", "LRN", "Add", "Sub", "Mul", "Div", "Max", "Min", "Concat", "Flatten",
    "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Pad", "Dropout", "Identity", "Constant", "Shape", "Gather",
    "ReduceMean", "ReduceMax", "Resize", "Upsample", "Slice", "Split"}

# Backend cases that raise UnsupportedError by design, with the reason (docs/onnx.md keeps this list).
EXCLUDED = {
    "Resize in mode 'linear'": "only nearest-neighbour Resize is implemented",
    "Resize in mode 'cubic'": "only nearest-neighbour Resize is implemented",
    "spatial dims": "3-D convolution and pooling are not implemented (1-D and 2-D are)",
    "MatMul other than": "MatMul is imported as a fully connected layer: the right operand must be a 2-D constant",
    "Pad in mode": "only constant padding is implemented",
    "AveragePool with dilations": "dilated average pooling (opset 19) is not implemented",
    "training mode": "inference only",
    "has no shape information": "sequence and optional types are not tensors",
    "no (non-constant) inputs": "a model without inputs has nothing to run",
    "other than over the spatial dims": "ReduceMax/ReduceMean are imported as global pooling over H, W (or L)",
    "Dropout's mask output": "inference only: the mask is not computed",
    "Indices output": "MaxPool's argmax indices are not computed",
}


def _freeze_inputs(model, inputs):
    """Backend tests feed weights as graph inputs; exported models store them as initializers.
    Turns every input but the first into an initializer holding the test's data."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    names = [i.name for i in m.graph.input]
    for name, arr in list(zip(names, inputs))[1:]:
        m.graph.initializer.append(numpy_helper.from_array(np.asarray(arr), name))
    keep = [i for i in m.graph.input if i.name == names[0]]
    del m.graph.input[:]
    m.graph.input.extend(keep)
    return m, list(inputs[:1])


def test_onnx_backend_node_tests():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from onnx.backend.test.case.node import collect_testcases
        cases = collect_testcases(None)
    passed, failures, excluded = [], [], []
    for case in cases:
        ops = {n.op_type for n in case.model.graph.node}
        ins, outs = case.data_sets[0]
        # cnncore computes float32: integer- and bool-typed cases test other engines' features
        if not ops or not ops <= SUPPORTED_OPS or not all(np.asarray(a).dtype.kind == "f" for a in [*ins, *outs]):
            continue
        try:
            try:
                model = cc.load_onnx(case.model)
            except cc.UnsupportedError as e:
                if "must be a constant" not in str(e) and "computed" not in str(e):
                    raise
                frozen, ins = _freeze_inputs(case.model, ins)
                model = cc.load_onnx(frozen)
            got = model.run(dict(zip(model.input_names, ins)))
            for name, want in zip(model.output_names, outs):
                want = np.asarray(want)
                g = got[name]
                if g.shape != want.shape or not np.allclose(g, want.astype(np.float64), rtol=max(case.rtol, 1e-4),
                                                            atol=max(case.atol, 1e-6), equal_nan=True):
                    failures.append(f"{case.name}: wrong result (max error {np.abs(g - want).max() if g.shape == want.shape else g.shape})")
                    break
            else:
                passed.append(case.name)
        except cc.UnsupportedError as e:
            reason = next((r for k, r in EXCLUDED.items() if k in str(e)), None)
            (excluded if reason else failures).append(f"{case.name}: {str(e).splitlines()[-1].strip()}")
        except Exception as e:  # noqa: BLE001 - any other exception is a failure to report
            failures.append(f"{case.name}: {type(e).__name__}: {e}")
    print(f"backend node tests: {len(passed)} passed, {len(excluded)} excluded (unsupported by design)")
    assert len(passed) >= 150, f"only {len(passed)} backend cases ran"
    assert not failures, "\n".join(failures)


# ----------------------------------------------------------------------------- zoo exported from PyTorch

def _export(tmodel, example, path=None):
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import torch as t
        t.onnx.export(tmodel, (example,), buf, dynamo=False, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, opset_version=17)
    return buf.getvalue()


def _randomize_bn(tmodel, seed):
    import torch as t
    g = t.Generator().manual_seed(seed)
    for m in tmodel.modules():
        if isinstance(m, t.nn.BatchNorm2d):
            n = m.num_features
            m.running_mean.copy_(t.randn(n, generator=g) * 0.1)
            m.running_var.copy_(t.rand(n, generator=g) + 0.5)
            m.weight.data.copy_(t.rand(n, generator=g) + 0.5)
            m.bias.data.copy_(t.randn(n, generator=g) * 0.1)


# resnet34/101/152 and vgg13/16/19 export to exactly the op sets of resnet50 and vgg11
ONNX_ZOO = [("lenet5", (1, 32, 32), {}), ("alexnet", (3, 224, 224), {}), ("vgg11", (3, 224, 224), {}),
            ("resnet18", (3, 32, 32), {}), ("resnet50", (3, 32, 32), {}), ("mobilenet_v2", (3, 32, 32), {}),
            ("googlenet", (3, 64, 64), {"lrn": False}),
            ("text_cnn", (20,), {"vocab_size": 100, "embed_dim": 16, "num_filters": 8}),
            # beyond cnncore's zoo: SE gates, SiLU / hardswish / hardsigmoid, 5x5 depthwise
            ("efficientnet_b0", (3, 64, 64), {}), ("mobilenet_v3_large", (3, 64, 64), {})]


@pytest.mark.parametrize("name,shape,kw", ONNX_ZOO, ids=[z[0] for z in ONNX_ZOO])
def test_zoo_exported_from_pytorch(name, shape, kw, torch):
    if torch is None:
        pytest.skip("PyTorch is needed to export the models")
    import torch_zoo
    torch.manual_seed(0)
    tm = torch_zoo.build(name, 3 if name == "text_cnn" else 10, **kw).eval()
    _randomize_bn(tm, 1)
    make = (lambda b: torch.randint(0, 100, (b,) + shape)) if name == "text_cnn" else (lambda b: torch.randn((b,) + shape))
    data = _export(tm, make(1))
    model = cc.load_onnx(data)
    try:
        import onnxruntime as ort
        sess = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    except ImportError:
        sess = None
    for batch in (1, 8):
        x = make(batch)
        with torch.no_grad():
            want = tm(x).numpy().astype(np.float64)
        got = model(x.numpy())
        scale = max(1.0, float(np.abs(want).max()))
        assert got.shape == want.shape
        assert np.abs(got - want).max() <= 2e-4 * scale, f"{name} batch {batch} vs torch"
        if sess is not None:
            ref = sess.run(None, {"input": x.numpy()})[0]
            assert np.abs(got - ref).max() <= 2e-4 * scale, f"{name} batch {batch} vs onnxruntime"


def test_channel_split_and_shuffle_exported_from_pytorch(torch):
    """ShuffleNetV2's unit: chunk (exported as Slice with bounds from shape arithmetic), concat,
    channel shuffle (reshape, transpose, reshape), plus a strided and a reversed crop; batch 1 and
    3 (the batch is dynamic in the export)."""
    if torch is None:
        pytest.skip("PyTorch is needed to export the model")
    nn = torch.nn

    class Unit(nn.Module):
        def __init__(self):
            super().__init__()
            self.branch = nn.Sequential(nn.Conv2d(8, 8, 1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1, groups=8))

        def forward(self, x):
            a, b = x.chunk(2, dim=1)
            out = torch.cat((a, self.branch(b)), 1)
            n, c, h, w = out.shape
            out = out.view(n, 2, c // 2, h, w).transpose(1, 2).reshape(n, c, h, w)
            return out[:, :, 1::2, :] + out[:, :, 1::2, :].flip(3)

    torch.manual_seed(3)
    tm = Unit().eval()
    data = _export(tm, torch.randn(1, 16, 9, 10))
    model = cc.load_onnx(data)
    for batch in (1, 3):
        x = torch.randn(batch, 16, 9, 10)
        with torch.no_grad():
            want = tm(x).numpy()
        got = model(x.numpy())
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_efficientnet_block_exported_from_pytorch(torch):
    """EfficientNet's MBConv as exporters write it: SiLU as Sigmoid and Mul (rewritten into one
    SiLU fused into the convolution), a 5x5 depthwise convolution (by blocks of channels at 14x14,
    by rows at 40x40) and a squeeze-excitation gate (a sigmoid fused into a 1x1 convolution, then a
    broadcast Mul); batch 1 and 2."""
    if torch is None:
        pytest.skip("PyTorch is needed to export the model")
    nn = torch.nn

    class MBConv(nn.Module):
        def __init__(self, c=24, h=96):
            super().__init__()
            self.exp = nn.Sequential(nn.Conv2d(c, h, 1, bias=False), nn.BatchNorm2d(h), nn.SiLU())
            self.dw = nn.Sequential(nn.Conv2d(h, h, 5, padding=2, groups=h, bias=False), nn.BatchNorm2d(h), nn.SiLU())
            self.se1, self.se2 = nn.Conv2d(h, 6, 1), nn.Conv2d(6, h, 1)
            self.proj = nn.Sequential(nn.Conv2d(h, c, 1, bias=False), nn.BatchNorm2d(c))

        def forward(self, x):
            h = self.dw(self.exp(x))
            g = torch.sigmoid(self.se2(nn.functional.silu(self.se1(h.mean((2, 3), keepdim=True)))))
            return x + self.proj(h * g)

    torch.manual_seed(4)
    tm = MBConv().eval()
    _randomize_bn(tm, 2)
    for hw in (14, 40):
        data = _export(tm, torch.randn(1, 24, hw, hw))
        model = cc.load_onnx(data)
        graph = model.optimized_graph((1, 24, hw, hw))["nodes"]
        simd = cc.build_info()["isa_active"] != "scalar"
        # blocked, the expansion's 96x40x40 output (600 KB) is made in row bands inside one
        # separable_conv2d node with the depthwise convolution, never whole
        fused = simd and hw == 40
        head = [("separable_conv2d", "silu")] if fused else [("conv2d", "silu"), ("conv2d", "silu")]
        nodes = [(n["op"], n["attrs"].get("activation")) for n in graph if n["op"] not in ("to_nchwc", "from_nchwc")]
        assert nodes == head + [("adaptive_avg_pool2d", None), ("conv2d", "silu"),
                                ("conv2d", "sigmoid"), ("mul", None), ("conv2d", None)], nodes
        if fused:
            assert graph[1]["attrs"]["expand_activation"] == "silu", graph[1]
        # with SIMD, all but the gate's two 1x1 convolutions on 1x1 planes run blocked: the pool
        # and the gate's mul read the blocked tensor, so no reorder sits inside the block
        blocked = [(n["op"], n["attrs"].get("layout") is not None) for n in graph if n["op"] not in ("to_nchwc", "from_nchwc")]
        assert blocked == [(op, simd) for op, _ in head] + [("adaptive_avg_pool2d", simd), ("conv2d", False),
                                                            ("conv2d", False), ("mul", simd), ("conv2d", simd)], blocked
        assert [n["op"] for n in graph].count("to_nchwc") == simd and [n["op"] for n in graph].count("from_nchwc") == simd
        for batch in (1, 2):
            x = torch.randn(batch, 24, hw, hw)
            with torch.no_grad():
                want = tm(x).numpy()
            np.testing.assert_allclose(model(x.numpy()), want, rtol=1e-4, atol=1e-4, err_msg=f"{hw}x{hw} batch {batch}")


# ----------------------------------------------------------------------------- hand-built models

def _conv_model(w=None, extra_nodes=(), extra_inits=(), outputs=("y",), opset=17, name="y"):
    w = np.ones((4, 3, 3, 3), np.float32) if w is None else w
    nodes = [helper.make_node("Conv", ["x", "w"], [name], name="conv", pads=[1, 1, 1, 1]), *extra_nodes]
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 8, 8])],
        [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outputs],
        [numpy_helper.from_array(w, "w"), *extra_inits])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def test_unsupported_ops_are_listed_once():
    nodes = [helper.make_node("Sin", ["y"], ["a"], name="sin1"),
             helper.make_node("Relu", ["a"], ["b"], name="relu_after"),  # depends on sin: not reported
             helper.make_node("NonZero", ["y"], ["c"], name="nz"),
             helper.make_node("FancyOp", ["y"], ["d"], name="custom", domain="com.example")]
    m = _conv_model(extra_nodes=nodes, outputs=("b", "c", "d"))
    with pytest.raises(cc.UnsupportedError) as e:
        cc.load_onnx(m)
    msg = str(e.value)
    assert "3 node(s)" in msg and "Sin (node 'sin1', opset 17)" in msg and "NonZero (node 'nz'" in msg
    assert "FancyOp (node 'custom'" in msg and "com.example" in msg and "relu_after" not in msg
    assert isinstance(e.value, NotImplementedError)


def _gelu_nodes(variant):
    """x * 0.5 * (1 + erf(x / sqrt(2))) on the conv output y, as exporters write GELU before opset 20."""
    arg = (helper.make_node("Div", ["y", "sqrt2"], ["d"]) if variant != "mul-by-rsqrt2" else
           helper.make_node("Mul", ["rsqrt2", "y"], ["d"]))
    nodes = [arg, helper.make_node("Erf", ["d"], ["e"]), helper.make_node("Add", ["one", "e"], ["p"])]
    if variant == "half-first":
        nodes += [helper.make_node("Mul", ["y", "half"], ["m"]), helper.make_node("Mul", ["p", "m"], ["g"])]
    else:
        nodes += [helper.make_node("Mul", ["y", "p"], ["m"]), helper.make_node("Mul", ["m", "half"], ["g"])]
    inits = [numpy_helper.from_array(np.array(v, np.float32), n) for n, v in
             [("sqrt2", 1.4142135381698608), ("rsqrt2", 0.7071067811865476), ("one", 1.0), ("half", 0.5)]]
    return nodes, inits


@pytest.mark.parametrize("variant", ["div-by-sqrt2", "mul-by-rsqrt2", "half-first"])
def test_gelu_written_with_erf_fuses_into_the_conv(variant):
    """GELU as x * 0.5 * (1 + erf(x / sqrt(2))) (PyTorch's export before opset 20) imports; its five
    nodes become the conv's gelu epilogue; the fused and the node-by-node graphs match the formula."""
    import reference as ref
    nodes, inits = _gelu_nodes(variant)
    rng = np.random.default_rng(3)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    m = cc.load_onnx(_conv_model(w=w, extra_nodes=nodes, extra_inits=inits, outputs=("g",)))
    x = (rng.standard_normal((2, 3, 8, 8)) * 2).astype(np.float32)
    fused = m.optimized_graph(x.shape)["nodes"]
    assert [n["op"] for n in fused] == ["conv2d"] and fused[0]["attrs"]["activation"] == "gelu"
    want = ref.activation("gelu", ref.conv2d(x, w, None, (1, 1), (1, 1, 1, 1)))
    tol = 1e-5 * np.abs(want).max()
    np.testing.assert_allclose(m(x), want, rtol=1e-5, atol=tol)
    m.set_optimize(False)
    assert [n["op"] for n in m.optimized_graph(x.shape)["nodes"]].count("erf") == 1
    np.testing.assert_allclose(m(x), want, rtol=1e-5, atol=tol)


def test_gelu_with_other_readers_is_not_fused():
    """An intermediate of the pattern read elsewhere (erf's output is a graph output too) keeps
    the nodes apart, and Erf runs as an op."""
    import reference as ref
    from math import erf
    nodes, inits = _gelu_nodes("div-by-sqrt2")
    w = np.random.default_rng(5).standard_normal((4, 3, 3, 3)).astype(np.float32)
    m = cc.load_onnx(_conv_model(w=w, extra_nodes=nodes, extra_inits=inits, outputs=("g", "e")))
    x = np.random.default_rng(4).standard_normal((1, 3, 8, 8)).astype(np.float32)
    ops = [n["op"] for n in m.optimized_graph(x.shape)["nodes"]]
    assert "erf" in ops and "gelu" not in ops
    out = m.run({"x": x})
    y = ref.conv2d(x, w, None, (1, 1), (1, 1, 1, 1))
    np.testing.assert_allclose(out["e"], np.vectorize(erf)(y / np.sqrt(2.0)), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(out["g"], ref.activation("gelu", y), rtol=1e-5, atol=1e-5 * np.abs(y).max())


def test_gelu_exported_from_pytorch(torch):
    """nn.GELU exported by PyTorch at opset 17 (Div, Erf, Add, Mul, Mul) imports and fuses."""
    t = torch
    t.manual_seed(0)
    tm = t.nn.Sequential(t.nn.Conv2d(3, 16, 3, padding=1), t.nn.GELU(), t.nn.Conv2d(16, 8, 1), t.nn.GELU()).eval()
    x = t.randn(2, 3, 12, 12)
    m = cc.load_onnx(_export(tm, x))
    assert not any(n["op"] in ("erf", "div", "mul") for n in m.optimized_graph(tuple(x.shape))["nodes"])
    with t.no_grad():
        want = tm(x).numpy()
    np.testing.assert_allclose(m(x.numpy()), want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("node,inits,words", [
    (helper.make_node("Slice", ["y", "s", "e", "a", "st"], ["z"], name="sl"),
     {"s": [0], "e": [4], "a": [1], "st": [0]}, ["Slice", "step must not be 0"]),
    (helper.make_node("Slice", ["y", "s", "e", "a"], ["z"], name="sl"),
     {"s": [0, 1], "e": [2, 3], "a": [2, -2]}, ["Slice", "listed twice"]),
    (helper.make_node("Slice", ["y", "s", "e", "a"], ["z"], name="sl"),
     {"s": [0], "e": [2], "a": [4]}, ["Slice", "out of range"]),
    (helper.make_node("Split", ["y", "sp"], ["z", "z2"], name="split", axis=1),
     {"sp": [1, 2]}, ["Split", "do not add up"]),
])
def test_bad_slice_and_split_raise(node, inits, words):
    """Slice/Split bounds that cannot be right raise InvalidArgumentError naming the node's op."""
    extra = [numpy_helper.from_array(np.array(v, np.int64), k) for k, v in inits.items()]
    m = _conv_model(extra_nodes=[node], extra_inits=extra, outputs=tuple(o for o in node.output))
    with pytest.raises(cc.InvalidArgumentError) as e:
        cc.load_onnx(m)
    for w in words:
        assert w in str(e.value)


def test_value_names_with_hash_signs():
    # '#' is legal in ONNX names; the importer must not mistake such values for its own temporaries
    nodes = [helper.make_node("Relu", ["y"], ["a#1"], name="r#1"),
             helper.make_node("Softmax", ["a#1"], ["out#final"], name="s", axis=1)]
    m = _conv_model(extra_nodes=nodes, outputs=("out#final",), opset=11)  # opset 11: Softmax coerces via temporaries
    x = np.random.default_rng(0).standard_normal((2, 3, 8, 8)).astype(np.float32)
    y = cc.load_onnx(m)(x)
    want = np.maximum(cc.functional.conv2d(x, np.ones((4, 3, 3, 3), np.float32), padding=1), 0).reshape(2, -1)
    np.testing.assert_allclose(y.reshape(2, -1), cc.functional.softmax(want, 1), rtol=1e-5, atol=1e-7)


def test_dynamic_batch_and_conversion_to_cnnc(tmp_path):
    m = _conv_model(extra_nodes=[helper.make_node("Relu", ["y0"], ["y"])], name="y0")
    model = cc.load_onnx(m.SerializeToString())
    for batch in (1, 8):
        x = np.random.default_rng(batch).standard_normal((batch, 3, 8, 8)).astype(np.float32)
        want = np.maximum(cc.functional.conv2d(x, np.ones((4, 3, 3, 3), np.float32), padding=1), 0)
        np.testing.assert_array_equal(model(x), want)
    model.save(tmp_path / "m.cnnc")
    np.testing.assert_array_equal(cc.load(tmp_path / "m.cnnc")(x), want)
    onnx.save(m, tmp_path / "m.onnx")
    np.testing.assert_array_equal(cc.load_onnx(tmp_path / "m.onnx")(x), want)


def test_external_data(tmp_path):
    m = _conv_model(w=np.random.default_rng(0).standard_normal((4, 3, 3, 3)).astype(np.float32))
    inline = cc.load_onnx(m.SerializeToString())  # before save_model moves the weights out of `m`
    d = tmp_path / "model"
    d.mkdir()
    onnx.save_model(m, d / "m.onnx", save_as_external_data=True, all_tensors_to_one_file=True, location="weights.bin",
                    size_threshold=0)
    x = np.ones((2, 3, 8, 8), np.float32)
    np.testing.assert_array_equal(cc.load_onnx(d / "m.onnx")(x), inline(x))
    with pytest.raises(cc.UnsupportedError, match="external file"):
        cc.load_onnx((d / "m.onnx").read_bytes())


def _with_location(model_path, location, out_path):
    m = onnx.load(model_path, load_external_data=False)
    for t in m.graph.initializer:
        for kv in t.external_data:
            if kv.key == "location":
                kv.value = location
    onnx.save(m, out_path)


def _bad_files(tmp_path):
    """(label, path, expected exception class name)."""
    out = []
    good = _conv_model(w=np.random.default_rng(1).standard_normal((4, 3, 3, 3)).astype(np.float32))
    data = good.SerializeToString()

    def add(label, blob, exc):
        p = tmp_path / f"bad{len(out)}.onnx"
        p.write_bytes(blob)
        out.append((label, str(p), exc))

    for n in (1, 2, 10, len(data) // 3, len(data) // 2, len(data) - 7, len(data) - 1):
        add(f"truncated to {n}", data[:n], "ModelFormatError")
    rng = np.random.default_rng(2)
    for i in range(12):
        add(f"random {i}", rng.integers(0, 256, int(rng.integers(1, 3000)), dtype=np.uint8).tobytes(), "ModelFormatError")
    add("huge varint length", b"\x3a\xff\xff\xff\xff\xff\xff\xff\xff\x7f", "ModelFormatError")
    t = numpy_helper.from_array(np.zeros(4, np.float32), "w")
    del t.dims[:]
    t.dims.extend([2 ** 40, 2 ** 40])
    add("huge declared dims", helper.make_model(helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [t])).SerializeToString(), "ModelFormatError")
    t2 = numpy_helper.from_array(np.zeros(4, np.float32), "w")
    del t2.dims[:]
    t2.dims.extend([-1, 4])
    add("negative dims", helper.make_model(helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [t2])).SerializeToString(), "ModelFormatError")
    add("conv weight with wrong channels", _conv_model(w=np.ones((4, 5, 3, 3), np.float32)).SerializeToString(),
        "InvalidArgumentError")
    gemm = helper.make_model(helper.make_graph(
        [helper.make_node("Flatten", ["x"], ["f"]), helper.make_node("Gemm", ["f", "b"], ["y"], transB=1)], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(np.ones((10, 100), np.float32), "b")]))
    add("gemm weight with wrong features", gemm.SerializeToString(), "InvalidArgumentError")
    cycle = _conv_model(extra_nodes=[helper.make_node("Relu", ["q"], ["p"], name="r1"),
                                     helper.make_node("Relu", ["p"], ["q"], name="r2")], outputs=("q",))
    add("cycle", cycle.SerializeToString(), "ModelFormatError")
    missing = _conv_model(extra_nodes=[helper.make_node("Add", ["y", "nowhere"], ["z"], name="add")], outputs=("z",))
    add("missing input", missing.SerializeToString(), "ModelFormatError")
    no_init = helper.make_model(helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], []))
    add("missing initializer", no_init.SerializeToString(), "ModelFormatError")
    dup = _conv_model(extra_nodes=[helper.make_node("Relu", ["x"], ["y"], name="again")])
    add("duplicate output name", dup.SerializeToString(), "ModelFormatError")
    # external data that escapes the model's folder
    d = tmp_path / "ext"
    d.mkdir()
    onnx.save_model(good, d / "m.onnx", save_as_external_data=True, location="w.bin", size_threshold=0)
    outside = tmp_path / "outside.bin"
    outside.write_bytes((d / "w.bin").read_bytes())
    for label, loc in (("absolute location", str(outside)), ("'..' location", "../outside.bin"),
                       ("'..' deeper", "sub/../../outside.bin")):
        p = d / f"esc{len(out)}.onnx"
        _with_location(d / "m.onnx", loc, p)
        out.append((label, str(p), "ModelFormatError"))
    os.symlink(outside, d / "link.bin")
    p = d / "symlink.onnx"
    _with_location(d / "m.onnx", "link.bin", p)
    out.append(("symlink out of the folder", str(p), "ModelFormatError"))
    os.link(outside, d / "hard.bin")
    p = d / "hardlink.onnx"
    _with_location(d / "m.onnx", "hard.bin", p)
    out.append(("hard link", str(p), "ModelFormatError"))
    return out


def test_hostile_files_raise_typed_errors(tmp_path):
    cases = _bad_files(tmp_path)
    script = textwrap.dedent(f"""
        import json, cnncore as cc
        paths = {json.dumps([p for _, p, _ in cases])}
        out = []
        for p in paths:
            try:
                cc.load_onnx(p)
                out.append("loaded")
            except Exception as e:
                out.append(type(e).__name__ + ": " + str(e)[:200])
        print(json.dumps(out))
    """)
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"the importer crashed (exit {r.returncode}): {r.stderr[-2000:]}"
    results = json.loads(r.stdout.strip().splitlines()[-1])
    problems = [f"{label}: expected {exc}, got {res}" for (label, _, exc), res in zip(cases, results)
                if not res.startswith(exc + ":")]
    assert not problems, "\n".join(problems)
