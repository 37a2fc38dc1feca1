"""ONNX load time and peak memory: cnncore.load_onnx beside onnxruntime's session creation.

    python bench/onnx_load.py [--model resnet50] [--runs 5]

Exports the model from PyTorch (random weights) once, then loads it in a fresh process per run
for each engine, recording wall time of the load and the process's peak RSS minus
its RSS before loading (VmHWM from /proc, Linux). Prints a table with medians and min-max.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

CHILD = r"""
import json, sys, time
path, engine = sys.argv[1], sys.argv[2]
def status_kb(key):  # VmHWM is this process's own peak (ru_maxrss would carry the parent's over exec)
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1])
rss_kb = lambda: status_kb("VmRSS:")
if engine == "cnncore":
    import cnncore as cc
    before = rss_kb(); t = time.perf_counter()
    m = cc.load_onnx(path)
else:
    import onnxruntime as ort
    before = rss_kb(); t = time.perf_counter()
    o = ort.SessionOptions(); o.intra_op_num_threads = 2
    m = ort.InferenceSession(path, o, providers=["CPUExecutionProvider"])
dt = time.perf_counter() - t
peak = status_kb("VmHWM:")
print(json.dumps({"seconds": dt, "peak_mb": (peak - before) / 1024, "after_mb": (rss_kb() - before) / 1024}))
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
    ap.add_argument("--model", default="resnet50")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, f"{args.model}.onnx")
        export(args.model, path)
        size_mb = os.path.getsize(path) / 2**20
        rows = []
        for engine in ("cnncore", "onnxruntime"):
            try:
                __import__(engine)
            except ImportError:
                print(f"{engine} not installed: skipped")
                continue
            res = [json.loads(subprocess.run([sys.executable, "-c", CHILD, path, engine], capture_output=True, text=True,
                                             check=True).stdout.strip().splitlines()[-1]) for _ in range(args.runs)]
            t = np.array([r["seconds"] for r in res]) * 1e3
            p = np.array([r["peak_mb"] for r in res])
            rows.append((engine, np.median(t), t.min(), t.max(), np.median(p)))
    print(f"\n{args.model}.onnx ({size_mb:.1f} MB), {args.runs} fresh processes per engine\n")
    print("| engine | load median (ms) | min-max (ms) | peak RSS added (MB) |")
    print("| --- | ---: | ---: | ---: |")
    for e, med, lo, hi, peak in rows:
        print(f"| {e} | {med:.1f} | {lo:.1f}-{hi:.1f} | {peak:.0f} |")
    if len(rows) == 2:
        print(f"\ncnncore / onnxruntime: load time {rows[0][1] / rows[1][1]:.2f}x, peak memory {rows[0][4] / rows[1][4]:.2f}x")


if __name__ == "__main__":
    main()
