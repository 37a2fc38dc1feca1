"""Model benchmark: cnncore beside ONNX Runtime, OpenVINO and PyTorch, in one run, same weights.

    python bench/models.py                       # the default set, batch 1, 2 threads
    python bench/models.py --models resnet50 resnet18 --batch 1 8 --threads 1 2 --runs 10
    python bench/models.py --models efficientnet_b0 mobilenet_v3_large   # imported from ONNX

Each zoo model is built with random weights (seed 0). EfficientNet-B0 and MobileNetV3-Large,
which cnncore's zoo does not have, are PyTorch definitions with torchvision's structure (seed 0)
that every engine, cnncore included, imports from the same ONNX export. PyTorch runs an equivalent definition
(tests/python/torch_zoo.py) loaded with the same state_dict; where PyTorch is installed, batch
norm statistics are first set from one forward pass over a random batch, so activations keep
their scale (with the initial statistics MobileNetV2's shrink about 10x per block, its logits
are the classifier's bias alone, and the error column would compare nothing); ONNX Runtime and OpenVINO run its
ONNX export (OpenVINO with INFERENCE_PRECISION_HINT=f32, which it would otherwise lower to bf16
on AVX-512 BF16 CPUs). Peers that are not installed are skipped with a note. The table gives the
median time and min-max over the runs, effective GFLOP/s, the percentage of the machine's
measured peak (cnncore's FMA probe at the same thread count, before and after the runs, the
larger), the ratio to the best peer and the
maximum relative error against PyTorch.
"""
import argparse
import io
import os

# NumPy's OpenBLAS threads spin after each call and steal cores from every engine being timed.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "python"))

import cnncore as cc  # noqa: E402
from _timing import timeit_interleaved, write_json  # noqa: E402

SHAPES = {"lenet5": (1, 32, 32), "text_cnn": (50,)}
DEFAULT = ["resnet50", "resnet18", "mobilenet_v2", "googlenet", "alexnet", "vgg16", "lenet5", "text_cnn"]
# Not in cnncore's zoo: their PyTorch definitions (tests/python/torch_zoo.py, torchvision's
# structure) are exported to ONNX, which cnncore imports like the peers.
ONNX_ONLY = ["efficientnet_b0", "mobilenet_v3_large"]




def build(name):
    cc.manual_seed(0)
    kw = {"vocab_size": 10000, "embed_dim": 300} if name == "text_cnn" else {}
    extra = {"lrn": False} if name == "googlenet" else {}  # torchvision's forward, exportable
    model = getattr(cc.zoo, name)(**kw, **extra)
    shape = SHAPES.get(name, (3, 224, 224))
    return model, shape


def calibrate_batchnorm(model, tm, shape, rng):
    """Sets every batch norm's running statistics to those of one training-mode forward pass of
    `tm` over a random batch, in both models (cnncore's through its state_dict; none: `tm` only)."""
    import torch
    bns = [m for m in tm.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    if not bns:
        return
    for m in bns:
        m.momentum = 1.0  # the running statistics become this batch's
    tm.train()
    with torch.no_grad():
        tm(torch.from_numpy(rng.standard_normal((4,) + shape).astype(np.float32)))
    tm.eval()
    if model is not None:
        model.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items() if k in model.state_dict()})


def torch_model(name, model):
    try:
        import torch
        import torch_zoo
    except ImportError:
        return None
    kw = {"vocab_size": 10000, "embed_dim": 300, "num_filters": 100} if name == "text_cnn" else {}
    if name == "googlenet":
        kw = {"lrn": False}
    tm = torch_zoo.build(name, 2 if name == "text_cnn" else (10 if name == "lenet5" else 1000), **kw).eval()
    tm.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in model.state_dict().items()})
    return tm


def export_onnx(tm, x):
    import torch
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(tm, (torch.from_numpy(x),), buf, dynamo=False, input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}}, opset_version=17)
    return buf.getvalue()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", nargs="+", default=DEFAULT)
    ap.add_argument("--batch", nargs="+", type=int, default=[1])
    ap.add_argument("--threads", nargs="+", type=int, default=[2])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--json", help="also write the rows to this file (bench/run_all.py reads it)")
    args = ap.parse_args()
    notes = []
    try:
        import torch
    except ImportError:
        torch = None
        notes.append("PyTorch not installed: skipped (and no ONNX export for the other peers)")
    try:
        import onnxruntime as ort
    except ImportError:
        ort = None
        notes.append("onnxruntime not installed: skipped")
    try:
        import openvino as ov
    except ImportError:
        ov = None
        notes.append("openvino not installed: skipped")
    isa = cc.build_info()["isa_active"]
    def peak_now(t):
        return cc._core.peak_gflops(isa, t) if isa != "scalar" else float("nan")

    peaks = {t: peak_now(t) for t in args.threads}
    print(f"cnncore {cc.__version__}, ISA {isa}; measured peak: " +
          ", ".join(f"{t} thread(s) {p:.0f} GFLOP/s" for t, p in peaks.items()))
    rows = []
    for name in args.models:
        if name in ONNX_ONLY:
            if torch is None:
                notes.append(f"{name}: its definition and ONNX export need PyTorch; skipped")
                continue
            import torch_zoo
            torch.manual_seed(0)
            model, shape, tm = None, (3, 224, 224), torch_zoo.build(name, 1000).eval()
            calibrate_batchnorm(None, tm, shape, np.random.default_rng(1))
        else:
            model, shape = build(name)
            tm = torch_model(name, model) if torch is not None else None
            if tm is not None and name != "text_cnn":
                calibrate_batchnorm(model, tm, shape, np.random.default_rng(1))
        compiled = model.to_model() if model is not None else None
        for batch in args.batch:
            rng = np.random.default_rng(0)
            x = rng.integers(0, 10000, (batch,) + shape) if name == "text_cnn" else \
                rng.standard_normal((batch,) + shape).astype(np.float32)
            onnx_bytes = export_onnx(tm, x) if tm is not None and (ort or ov or model is None) else None
            if model is None:
                compiled = cc.load_onnx(onnx_bytes)
            flops = compiled.summary(shape, batch_size=batch, print_table=False).total_flops
            for threads in args.threads:
                fns = {}
                cc.set_num_threads(threads)
                y = compiled(x)
                fns["cnncore"] = lambda: compiled(x)
                err = float("nan")
                if tm is not None:
                    torch.set_num_threads(threads)
                    tx = torch.from_numpy(x)
                    with torch.no_grad():
                        ty = tm(tx).numpy()

                    def run_torch():
                        with torch.no_grad():
                            tm(tx)
                    fns["pytorch"] = run_torch
                    err = float(np.abs(y - ty).max() / max(np.abs(ty).max(), 1e-12))
                if ort is not None and onnx_bytes is not None:
                    so = ort.SessionOptions()
                    so.intra_op_num_threads = threads
                    so.inter_op_num_threads = 1
                    sess = ort.InferenceSession(onnx_bytes, so, providers=["CPUExecutionProvider"])
                    feed = {"input": x}
                    fns["onnxruntime"] = lambda: sess.run(None, feed)
                if ov is not None and onnx_bytes is not None:
                    core = ov.Core()
                    m = core.read_model(onnx_bytes)
                    cm = core.compile_model(m, "CPU", {"INFERENCE_PRECISION_HINT": "f32",
                                                       "INFERENCE_NUM_THREADS": threads})
                    req = cm.create_infer_request()
                    fns["openvino"] = lambda: req.infer({0: x})
                res = timeit_interleaved(fns, args.runs)
                peers = {k: np.median(v) for k, v in res.items() if k != "cnncore"}
                best = min(peers.items(), key=lambda kv: kv[1]) if peers else (None, float("nan"))
                med = np.median(res["cnncore"])
                rows.append((name, batch, threads, med, res["cnncore"].min(), res["cnncore"].max(), flops / med / 1e6,
                             100 * flops / med / 1e6 / peaks[threads], best[0], best[1], med / best[1], err,
                             {k: np.median(v) for k, v in res.items()}))
                print(f"  {name} b{batch} t{threads}: cnncore {med:.2f} ms; " +
                      ", ".join(f"{k} {v:.2f} ms" for k, v in peers.items()), flush=True)
    # Probed again after the runs: a core briefly taken by another tenant during one probe reads
    # low, and every "% of peak" with it; the larger reading is the peak.
    peaks = {t: max(p, peak_now(t)) for t, p in peaks.items()}
    print("measured peak after the runs; the larger is used: " +
          ", ".join(f"{t} thread(s) {p:.0f} GFLOP/s" for t, p in peaks.items()))
    print()
    print("| model | batch | threads | cnncore median ms (min-max) | GFLOP/s | % of peak | best peer (ms) | cnncore / best | max rel err vs PyTorch |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |")
    for r in rows:
        name, b, t, med, lo, hi, gf, _, bp, bms, ratio, err, _ = r
        pct = 100 * gf / peaks[t]
        print(f"| {name} | {b} | {t} | {med:.2f} ({lo:.2f}-{hi:.2f}) | {gf:.1f} | {pct:.0f}% | "
              f"{bp} ({bms:.2f}) | {ratio:.2f} | {err:.1e} |")
    print()
    print("| model | batch | threads | " + " | ".join(sorted({k for r in rows for k in r[12]})) + " |")
    keys = sorted({k for r in rows for k in r[12]})
    print("| --- | ---: | ---: | " + " | ".join("---:" for _ in keys) + " |")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} | " + " | ".join(f"{r[12][k]:.2f}" if k in r[12] else "-" for k in keys) + " |")
    for n in notes:
        print(f"note: {n}")
    if args.json:
        write_json(args.json, [dict(model=r[0], batch=r[1], threads=r[2], median_ms=r[3], min_ms=r[4], max_ms=r[5],
                                    gflops=r[6], pct_of_peak=100 * r[6] / peaks[r[2]], best_peer=r[8],
                                    best_peer_ms=r[9], ratio=r[10], max_rel_err=r[11], engines_ms=r[12])
                               for r in rows])


if __name__ == "__main__":
    main()
