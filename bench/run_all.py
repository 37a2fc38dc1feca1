"""The whole benchmark in one command: every benchmark in bench/, then one Markdown report.

    python bench/run_all.py [--out bench/report.md] [--quick]

Runs, one after another and each in a fresh process (so no two benchmarks share the machine):
  - models.py at batch 1, 2 threads (the default set), at batch 8 (ResNet-50, AlexNet,
    MobileNetV2), and EfficientNet-B0 / MobileNetV3-Large imported from ONNX;
  - layers.py (the layer shapes, batch 1, 2 threads);
  - busy_core.py for ResNet-18 and MobileNetV2 (another process spinning on one core);
  - onnx_load.py (load time and peak RSS against onnxruntime and OpenVINO).
The report gives the machine, each command with the table it printed, and the fast-engine
targets, each with the value measured in this run and whether it is met. About 8 minutes on 2
cores; --quick takes fewer runs (about 3 minutes): for checking the script, not for numbers.
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def steps(quick):
    r = (lambda full, fast: str(fast if quick else full))
    return [
        ("models_b1", ["models.py", "--runs", r(10, 3)]),
        ("models_b8", ["models.py", "--models", "resnet50", "alexnet", "mobilenet_v2", "--batch", "8",
                       "--threads", "2", "--runs", r(5, 2)]),
        ("models_onnx", ["models.py", "--models", "efficientnet_b0", "mobilenet_v3_large", "--runs", r(10, 3)]),
        ("layers", ["layers.py", "--runs", r(20, 5)]),
        ("busy_resnet18", ["busy_core.py", "--runs", r(12, 3)]),
        ("busy_mobilenet_v2", ["busy_core.py", "--model", "mobilenet_v2", "--runs", r(12, 3)]),
        ("onnx_load", ["onnx_load.py", "--models", "resnet50", "resnet18", "mobilenet_v2", "alexnet", "vgg16",
                       "--runs", r(3, 1), "--infer", "3"]),
    ]


# The fast-engine targets (cnncore time / best fp32 peer time in the same run, 2 threads).
MODEL_TARGETS = [("resnet50", 1, 0.80), ("resnet18", 1, 0.80), ("vgg16", 1, 0.80), ("mobilenet_v2", 1, 0.80),
                 ("resnet50", 8, 0.80), ("alexnet", 8, 0.90), ("lenet5", 1, 1.0), ("text_cnn", 1, 1.0)]
STANDARD_CONVS = ["r50_1x1_56_in", "r50_1x1_56_out", "r50_1x1_14", "r50_1x1_7", "r50_3x3_s2", "r50_3x3_7"]
WINOGRAD_CONVS = ["r50_3x3_56", "r50_3x3_28", "r50_3x3_14", "vgg_conv3"]
DEPTHWISE_FIRST = ["dw3x3_s1", "dw3x3_s2", "vgg_conv1_1", "alexnet_conv1", "r50_conv1", "lenet_conv1"]
MAX_POOLS = ["maxpool_3x3_s2", "maxpool_2x2_s2"]


def targets(res):
    """[(target, measured, limit, met)] from the JSON rows of the runs."""
    out = []
    models = {(r["model"], r["batch"]): r for k in ("models_b1", "models_b8") for r in res.get(k, [])
              if r["threads"] == 2}
    for name, batch, limit in MODEL_TARGETS:
        r = models.get((name, batch))
        if r and r["best_peer"]:
            out.append((f"{name} batch {batch}: cnncore / best peer", f"{r['ratio']:.2f} ({r['best_peer']})",
                        f"<= {limit:.2f}", r["ratio"] <= limit))
    layers = {r["layer"]: r for r in res.get("layers", [])}
    for names, what, limit, key, le in (
            (STANDARD_CONVS, "% of peak", 85, "pct_of_peak", False),
            (WINOGRAD_CONVS, "% of peak, effective (Winograd)", 140, "pct_of_peak", False),
            (DEPTHWISE_FIRST, "cnncore / best peer", 0.6, "ratio", True),
            (MAX_POOLS, "cnncore / best peer", 0.8, "ratio", True)):
        for n in names:
            r = layers.get(n)
            if r is None or r[key] is None or (key == "ratio" and not r["best_peer"]):
                continue
            v = r[key]
            shown = f"{v:.0f}%" if key == "pct_of_peak" else f"{v:.2f} ({r['best_peer']})"
            out.append((f"{n}: {what}", shown, f"{'<=' if le else '>='} {limit}{'' if le else '%'}",
                        v <= limit if le else v >= limit))
    load = res.get("onnx_load", [])
    ort = {r["model"]: r["infer_peak_mb"] for r in load if r["engine"] == "onnxruntime"}
    for r in load:
        if r["engine"] == "cnncore" and r["model"] in ort:
            out.append((f"{r['model']}: peak RSS through inference, MB", f"{r['infer_peak_mb']:.0f}",
                        f"<= onnxruntime's {ort[r['model']]:.0f}", r["infer_peak_mb"] <= ort[r["model"]]))
    for k in ("busy_resnet18", "busy_mobilenet_v2"):
        for r in res.get(k, []):
            if r["engine"] == "cnncore":
                ratio = r["busy_2"] / r["busy_1"]
                out.append((f"{r['model']}, one core busy: 2-thread / 1-thread latency", f"{ratio:.2f}", "<= 1.5",
                            ratio <= 1.5))
    return out


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    lines = [f"- CPU: {cpu}, {os.cpu_count()} logical CPUs; {platform.system()} {platform.release()}",
             f"- Python {platform.python_version()}"]
    try:
        import cnncore as cc
        info = cc.build_info()
        lines.append(f"- cnncore {cc.__version__} ({info['compiler']}), ISA {info['isa_active']}, "
                     f"OpenMP {info['openmp']}")
    except ImportError:
        lines.append("- cnncore not importable")
    for mod in ("numpy", "onnxruntime", "openvino", "torch"):
        try:
            lines.append(f"- {mod} {__import__(mod).__version__}")
        except ImportError:
            lines.append(f"- {mod}: not installed")
    try:
        rev = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                             timeout=10).stdout.strip()
        if rev:
            lines.append(f"- commit {rev}")
    except (OSError, subprocess.SubprocessError):
        pass
    return lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(HERE, "report.md"))
    ap.add_argument("--quick", action="store_true", help="fewer runs: checks the script, not for numbers")
    args = ap.parse_args()
    res, sections = {}, []
    start = time.time()
    with tempfile.TemporaryDirectory() as d:
        for key, argv in steps(args.quick):
            path = os.path.join(d, key + ".json")
            cmd = [sys.executable, os.path.join(HERE, argv[0])] + argv[1:] + ["--json", path]
            shown = "python bench/" + " ".join(argv)
            print(f"[{time.time() - start:5.0f} s] {shown}", flush=True)
            t0 = time.time()
            p = subprocess.run(cmd, capture_output=True, text=True)
            text = p.stdout.strip()
            if p.returncode != 0:
                tail = p.stderr.strip().splitlines()[-1:] or ["(no message)"]
                text += f"\n\nFAILED with exit code {p.returncode}: {tail[0]}"
                print(f"  failed: {tail[0]}", flush=True)
            elif os.path.exists(path):
                with open(path) as f:
                    res[key] = json.load(f)
            sections.append((shown, time.time() - t0, text))
    rows = targets(res)
    report = ["# cnncore benchmark report", "",
              f"{datetime.datetime.now().isoformat(timespec='seconds')}, `python bench/run_all.py"
              f"{' --quick' if args.quick else ''}`, {time.time() - start:.0f} s" +
              (" (quick: too few runs for numbers)" if args.quick else ""), "", "Machine:", ""] + machine()
    head = len(report) + 1
    report += ["", "## Targets (cnncore / best fp32 peer in the same run, 2 threads)", "",
               f"{sum(m for *_, m in rows)} of {len(rows)} met.", "",
               "| target | measured | limit | met |", "| --- | ---: | ---: | --- |"]
    report += [f"| {t} | {v} | {lim} | {'yes' if m else 'no'} |" for t, v, lim, m in rows]
    for shown, secs, text in sections:
        report += ["", f"## `{shown}`", "", f"({secs:.0f} s)", "", "```", text, "```"]
    with open(args.out, "w") as f:
        f.write("\n".join(report) + "\n")
    print("\n".join(report[head:head + 6 + len(rows)]))
    print(f"\nreport: {args.out}")


if __name__ == "__main__":
    main()
