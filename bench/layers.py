"""Layer benchmark: single convolution and pooling layers, cnncore beside ONNX Runtime, OpenVINO and PyTorch.

    python bench/layers.py                          # every layer, batch 1, 2 threads
    python bench/layers.py --layers r50_3x3_56 dw3x3_s1 --batch 1 8 --threads 1 2 --runs 20

Each layer gets random weights (seed 0) shared by all engines: cnncore runs a compiled one-layer
model, ONNX Runtime and OpenVINO (INFERENCE_PRECISION_HINT=f32) a one-node ONNX graph, PyTorch
the functional op. Peers that are not installed are skipped with a note. Convolutions report
GFLOP/s and the percentage of the measured FMA peak at that thread count (probed before and
after the runs, the larger; a transposed
convolution counts the FLOPs of its GEMM, C*H*W*K*kh*kw multiply-adds); pooling, LRN and
softmax layers report GB/s of input read. The ratio is cnncore's median over the best peer's median, all in one
run.
"""
import os

# NumPy's OpenBLAS threads spin after each call and steal cores from every engine being timed.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import sys

import numpy as np

import cnncore as cc
from _timing import timeit_interleaved, write_json

# name: (kind, C, H, W, K, kernel, stride, pad, groups) -- K/groups unused for pools
LAYERS = {
    "r50_3x3_56": ("conv", 64, 56, 56, 64, 3, 1, 1, 1),
    "r50_3x3_28": ("conv", 128, 28, 28, 128, 3, 1, 1, 1),
    "r50_3x3_14": ("conv", 256, 14, 14, 256, 3, 1, 1, 1),
    "r50_3x3_7": ("conv", 512, 7, 7, 512, 3, 1, 1, 1),
    "r50_1x1_56_in": ("conv", 256, 56, 56, 64, 1, 1, 0, 1),
    "r50_1x1_56_out": ("conv", 64, 56, 56, 256, 1, 1, 0, 1),
    "r50_1x1_14": ("conv", 1024, 14, 14, 256, 1, 1, 0, 1),
    "r50_1x1_7": ("conv", 512, 7, 7, 2048, 1, 1, 0, 1),
    "r50_3x3_s2": ("conv", 128, 56, 56, 128, 3, 2, 1, 1),
    "r50_conv1": ("conv", 3, 224, 224, 64, 7, 2, 3, 1),
    "vgg_conv1_1": ("conv", 3, 224, 224, 64, 3, 1, 1, 1),
    "vgg_conv3": ("conv", 128, 56, 56, 256, 3, 1, 1, 1),
    "alexnet_conv1": ("conv", 3, 224, 224, 64, 11, 4, 2, 1),
    "dw3x3_s1": ("conv", 144, 56, 56, 144, 3, 1, 1, 144),
    "dw3x3_s2": ("conv", 96, 112, 112, 96, 3, 2, 1, 96),
    "lenet_conv1": ("conv", 1, 32, 32, 6, 5, 1, 0, 1),
    "maxpool_3x3_s2": ("maxpool", 64, 112, 112, 0, 3, 2, 1, 0),
    "maxpool_2x2_s2": ("maxpool", 64, 224, 224, 0, 2, 2, 0, 0),
    "avgpool_3x3_s1": ("avgpool", 192, 28, 28, 0, 3, 1, 1, 0),
    "avgpool_2x2_s2": ("avgpool", 256, 56, 56, 0, 2, 2, 0, 0),
    "convT_4x4_s2": ("convT", 128, 28, 28, 64, 4, 2, 1, 1),
    "lrn_googlenet": ("lrn", 192, 56, 56, 0, 5, 1, 0, 0),  # size 5, alpha 1e-4, beta 0.75, k 1
    "softmax_c21": ("softmax", 21, 128, 128, 0, 0, 0, 0, 0),  # a segmentation head: 21 classes per pixel
}




def out_size(n, k, s, p, transposed=False):
    return (n - 1) * s - 2 * p + k if transposed else (n + 2 * p - k) // s + 1


def onnx_layer(spec, w, b, batch):
    from onnx import TensorProto, helper, numpy_helper
    kind, C, H, W, K, k, s, p, g = spec
    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, [batch, C, H, W])
    y = helper.make_tensor_value_info("output", TensorProto.FLOAT, None)
    attrs = dict(kernel_shape=[k, k], strides=[s, s], pads=[p] * 4)
    if kind in ("conv", "convT"):
        op = "Conv" if kind == "conv" else "ConvTranspose"
        node = helper.make_node(op, ["input", "w", "b"], ["output"], group=g, **attrs)
        inits = [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")]
    elif kind == "softmax":
        node = helper.make_node("Softmax", ["input"], ["output"], axis=1)
        inits = []
    elif kind == "lrn":  # ONNX's alpha is PyTorch's (both divide by size)
        node = helper.make_node("LRN", ["input"], ["output"], size=k, alpha=1e-4, beta=0.75, bias=1.0)
        inits = []
    elif kind == "avgpool":  # count_include_pad as PyTorch's and cnncore's default
        node = helper.make_node("AveragePool", ["input"], ["output"], count_include_pad=1, **attrs)
        inits = []
    else:
        node = helper.make_node("MaxPool", ["input"], ["output"], **attrs)
        inits = []
    graph = helper.make_graph([node], "layer", [x], [y], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8).SerializeToString()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--layers", nargs="+", default=list(LAYERS), choices=list(LAYERS))
    ap.add_argument("--batch", nargs="+", type=int, default=[1])
    ap.add_argument("--threads", nargs="+", type=int, default=[2])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--json", help="also write the rows to this file (bench/run_all.py reads it)")
    args = ap.parse_args()
    notes, peers = [], {}
    try:
        import torch
        peers["pytorch"] = torch
    except ImportError:
        notes.append("PyTorch not installed: skipped")
    try:
        import onnx  # noqa: F401  (builds the one-node graphs both ONNX peers run)
        has_onnx = True
    except ImportError:
        has_onnx = False
        notes.append("onnx not installed: onnxruntime and openvino skipped")
    try:
        import onnxruntime as ort
        if has_onnx:
            peers["onnxruntime"] = ort
    except ImportError:
        notes.append("onnxruntime not installed: skipped")
    try:
        import openvino as ov
        if has_onnx:
            peers["openvino"] = ov
    except ImportError:
        notes.append("openvino not installed: skipped")
    isa = cc.build_info()["isa_active"]
    def peak_now(t):
        return cc._core.peak_gflops(isa, t) if isa != "scalar" else float("nan")

    peaks = {t: peak_now(t) for t in args.threads}
    print(f"cnncore {cc.__version__}, ISA {isa}; measured peak: " +
          ", ".join(f"{t} thread(s) {p:.0f} GFLOP/s" for t, p in peaks.items()), flush=True)
    rows = []
    for name in args.layers:
        spec = LAYERS[name]
        kind, C, H, W, K, k, s, p, g = spec
        rng = np.random.default_rng(0)
        if kind == "conv":
            layer = cc.nn.Conv2d(C, K, k, stride=s, padding=p, groups=g)
            w = (rng.standard_normal((K, C // g, k, k)) / np.sqrt(C // g * k * k)).astype(np.float32)
            b = rng.standard_normal(K).astype(np.float32)
            layer.load_state_dict({"weight": w, "bias": b})
        elif kind == "convT":
            layer = cc.nn.ConvTranspose2d(C, K, k, stride=s, padding=p, groups=g)
            w = (rng.standard_normal((C, K // g, k, k)) / np.sqrt(C // g * k * k)).astype(np.float32)
            b = rng.standard_normal(K).astype(np.float32)
            layer.load_state_dict({"weight": w, "bias": b})
        elif kind == "avgpool":
            layer = cc.nn.AvgPool2d(k, stride=s, padding=p)
            w = b = None
        elif kind == "lrn":
            layer = cc.nn.LocalResponseNorm(k, alpha=1e-4, beta=0.75, k=1.0)
            w = b = None
        elif kind == "softmax":
            layer = cc.nn.Softmax(dim=1)
            w = b = None
        else:
            layer = cc.nn.MaxPool2d(k, stride=s, padding=p)
            w = b = None
        model = layer.to_model()
        OH, OW = (H, W) if kind in ("lrn", "softmax") else (out_size(H, k, s, p, kind == "convT"), out_size(W, k, s, p, kind == "convT"))
        for batch in args.batch:
            x = rng.standard_normal((batch, C, H, W)).astype(np.float32)
            # conv: FLOPs (2 per multiply-add); pool: bytes of input read
            if kind == "conv":
                work = 2.0 * batch * K * OH * OW * (C // g) * k * k
            elif kind == "convT":
                work = 2.0 * batch * C * H * W * (K // g) * k * k
            else:
                work = 4.0 * x.size
            onnx_bytes = onnx_layer(spec, w, b, batch) if ("onnxruntime" in peers or "openvino" in peers) else None
            for threads in args.threads:
                cc.set_num_threads(threads)
                y = model(x)
                fns = {"cnncore": lambda: model(x)}
                ref = None
                if "pytorch" in peers:
                    torch = peers["pytorch"]
                    torch.set_num_threads(threads)
                    tx = torch.from_numpy(x)
                    if kind == "conv":
                        tw, tb = torch.from_numpy(w), torch.from_numpy(b)
                        fn = lambda: torch.nn.functional.conv2d(tx, tw, tb, stride=s, padding=p, groups=g)  # noqa: E731
                    elif kind == "convT":
                        tw, tb = torch.from_numpy(w), torch.from_numpy(b)
                        fn = lambda: torch.nn.functional.conv_transpose2d(tx, tw, tb, stride=s, padding=p,  # noqa: E731
                                                                          groups=g)
                    elif kind == "avgpool":
                        fn = lambda: torch.nn.functional.avg_pool2d(tx, k, stride=s, padding=p)  # noqa: E731
                    elif kind == "lrn":
                        fn = lambda: torch.nn.functional.local_response_norm(tx, k, 1e-4, 0.75, 1.0)  # noqa: E731
                    elif kind == "softmax":
                        fn = lambda: torch.softmax(tx, 1)  # noqa: E731
                    else:
                        fn = lambda: torch.nn.functional.max_pool2d(tx, k, stride=s, padding=p)  # noqa: E731
                    with torch.no_grad():
                        ref = fn().numpy()
                    fns["pytorch"] = fn  # autograd stays off: no input requires grad
                if "onnxruntime" in peers:
                    ort = peers["onnxruntime"]
                    so = ort.SessionOptions()
                    so.intra_op_num_threads = threads
                    so.inter_op_num_threads = 1
                    sess = ort.InferenceSession(onnx_bytes, so, providers=["CPUExecutionProvider"])
                    fns["onnxruntime"] = lambda: sess.run(None, {"input": x})
                if "openvino" in peers:
                    ov = peers["openvino"]
                    core = ov.Core()
                    cm = core.compile_model(core.read_model(onnx_bytes), "CPU",
                                            {"INFERENCE_PRECISION_HINT": "f32", "INFERENCE_NUM_THREADS": threads})
                    req = cm.create_infer_request()
                    fns["openvino"] = lambda: req.infer({0: x})
                res = timeit_interleaved(fns, args.runs)
                err = float(np.abs(y - ref).max() / max(np.abs(ref).max(), 1e-12)) if ref is not None else float("nan")
                meds = {e: float(np.median(v)) for e, v in res.items()}
                pm = {e: v for e, v in meds.items() if e != "cnncore"}
                best = min(pm.items(), key=lambda kv: kv[1]) if pm else (None, float("nan"))
                med = meds["cnncore"]
                rate = work / med / 1e6  # GFLOP/s or GB/s
                pct = 100 * rate / peaks[threads] if kind.startswith("conv") else float("nan")
                rows.append((name, batch, threads, med, res["cnncore"].min(), res["cnncore"].max(), kind, rate, pct,
                             best[0], best[1], med / best[1], err, meds))
                print(f"  {name} b{batch} t{threads}: " + ", ".join(f"{e} {v:.3f} ms" for e, v in meds.items()),
                      flush=True)
    # Probed again after the runs: a core briefly taken by another tenant during one probe reads
    # low, and every "% of peak" with it; the larger reading is the peak.
    peaks = {t: max(p, peak_now(t)) for t, p in peaks.items()}
    print("measured peak after the runs; the larger is used: " +
          ", ".join(f"{t} thread(s) {p:.0f} GFLOP/s" for t, p in peaks.items()))
    print()
    print("| layer | batch | threads | cnncore median ms (min-max) | rate | % of peak | best peer (ms) | cnncore / best "
          "| max rel err vs PyTorch |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |")
    for name, bt, t, med, lo, hi, kind, rate, _, bp, bms, ratio, err, _ in rows:
        pct = 100 * rate / peaks[t]
        unit = "GFLOP/s" if kind.startswith("conv") else "GB/s"
        pcts = f"{pct:.0f}%" if kind.startswith("conv") else "-"
        print(f"| {name} | {bt} | {t} | {med:.3f} ({lo:.3f}-{hi:.3f}) | {rate:.1f} {unit} | {pcts} | {bp} ({bms:.3f}) "
              f"| {ratio:.2f} | {err:.1e} |")
    keys = sorted({e for r in rows for e in r[13]})
    print()
    print("| layer | batch | threads | " + " | ".join(keys) + " |")
    print("| --- | ---: | ---: | " + " | ".join("---:" for _ in keys) + " |")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} | " + " | ".join(f"{r[13][e]:.3f}" if e in r[13] else "-" for e in keys) + " |")
    for n in notes:
        print(f"note: {n}")
    if args.json:
        write_json(args.json, [dict(layer=r[0], batch=r[1], threads=r[2], median_ms=r[3], min_ms=r[4], max_ms=r[5],
                                    kind=r[6], rate=r[7],
                                    pct_of_peak=100 * r[7] / peaks[r[2]] if r[6].startswith("conv") else None,
                                    best_peer=r[9], best_peer_ms=r[10], ratio=r[11], max_rel_err=r[12],
                                    engines_ms=r[13]) for r in rows])
    return 0


if __name__ == "__main__":
    sys.exit(main())
