"""ONNX load time and peak memory, at load and through inference: cnncore.load_onnx beside
onnxruntime and OpenVINO (f32).

    python bench/onnx_load.py [--models resnet50 ...] [--runs 5] [--infer 3] [--batch 1]

Exports each model from PyTorch (random weights) once, then, in a fresh process per run and
engine, loads it and runs `--infer` inferences (2 threads), recording the load's wall time and
the process's peak RSS minus its RSS before loading (VmHWM from /proc, Linux), after the load
and after the inferences. Prints a table with medians.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np

from _timing import write_json

HERE = os.path.dirname(os.path.abspath(__file__))

CHILD = r"""
import json, sys, time
import numpy as np
path, engine, infer, batch = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
x = np.random.default_rng(0).standard_normal((batch, 3, 224, 224)).astype(np.float32)
def status_kb(key):  # VmHWM is this process's own peak (ru_maxrss would carry the parent's over exec)
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1])
rss_kb = lambda: status_kb("VmRSS:")
if engine == "cnncore":
    import cnncore as cc
    cc.set_num_threads(2)
    before = rss_kb(); t = time.perf_counter()
    m = cc.load_onnx(path)
    run = lambda: m(x)
elif engine == "onnxruntime":
    import onnxruntime as ort
    before = rss_kb(); t = time.perf_counter()
    o = ort.SessionOptions(); o.intra_op_num_threads = 2
    m = ort.InferenceSession(path, o, providers=["CPUExecutionProvider"])
    run = lambda: m.run(None, {"input": x})
else:
    import openvino as ov
    before = rss_kb(); t = time.perf_counter()
    core = ov.Core()
    m = core.compile_model(core.read_model(path), "CPU", {"INFERENCE_PRECISION_HINT": "f32",
                                                          "INFERENCE_NUM_THREADS": 2})
    req = m.create_infer_request()
    run = lambda: req.infer({0: x})
dt = time.perf_counter() - t
peak_load = status_kb("VmHWM:")
for _ in range(infer):
    run()
peak = status_kb("VmHWM:")
print(json.dumps({"seconds": dt, "peak_mb": (peak_load - before) / 1024, "infer_peak_mb": (peak - before) / 1024}))
"""


def export(name, path):
    import torch
    sys.path.insert(0, os.path.join(HERE, "..", "tests", "python"))
    import torch_zoo
    m = torch_zoo.build(name, 1000).eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(m, (torch.randn(1, 3, 224, 224),), path, dynamo=False, input_names=["input"],
                          output_names=["output"], dynamic_axes={"input": {0: "batch"}}, opset_version=17)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", nargs="+", default=["resnet50"])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--infer", type=int, default=3, help="inferences after the load (0: load only)")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--json", help="also write the rows to this file (bench/run_all.py reads it)")
    args = ap.parse_args()
    rows, notes = [], []
    with tempfile.TemporaryDirectory() as d:
        for name in args.models:
            path = os.path.join(d, f"{name}.onnx")
            export(name, path)
            size_mb = os.path.getsize(path) / 2**20
            for engine in ("cnncore", "onnxruntime", "openvino"):
                try:
                    __import__(engine)
                except ImportError:
                    print(f"{engine} not installed: skipped")
                    continue
                res = []
                for _ in range(args.runs):
                    r = subprocess.run([sys.executable, "-c", CHILD, path, engine, str(args.infer), str(args.batch)],
                                       capture_output=True, text=True)
                    if r.returncode != 0:
                        notes.append(f"{name} on {engine} failed: {r.stderr.strip().splitlines()[-1]}")
                        break
                    res.append(json.loads(r.stdout.strip().splitlines()[-1]))
                if not res:
                    continue
                t = np.array([r["seconds"] for r in res]) * 1e3
                rows.append((name, size_mb, engine, np.median(t), t.min(), t.max(),
                             np.median([r["peak_mb"] for r in res]), np.median([r["infer_peak_mb"] for r in res])))
    print(f"\n{args.runs} fresh processes per engine; batch {args.batch}, {args.infer} inferences, 2 threads\n")
    print("| model (ONNX MB) | engine | load median ms (min-max) | peak RSS added by the load (MB) | "
          "peak RSS added through inference (MB) | vs onnxruntime |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    ort_peak = {r[0]: r[7] for r in rows if r[2] == "onnxruntime"}
    for name, size_mb, e, med, lo, hi, peak, ipeak in rows:
        rel = f"{ipeak / ort_peak[name]:.2f}" if name in ort_peak else "-"
        print(f"| {name} ({size_mb:.0f}) | {e} | {med:.1f} ({lo:.1f}-{hi:.1f}) | {peak:.0f} | {ipeak:.0f} | {rel} |")
    for n in notes:
        print(f"note: {n}")
    if args.json:
        write_json(args.json, [dict(model=r[0], onnx_mb=r[1], engine=r[2], load_median_ms=r[3], load_min_ms=r[4],
                                    load_max_ms=r[5], load_peak_mb=r[6], infer_peak_mb=r[7]) for r in rows])


if __name__ == "__main__":
    main()
