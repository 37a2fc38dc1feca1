"""Latency with another process busy on one core: 1 vs 2 threads, cnncore beside onnxruntime.

    python bench/busy_core.py [--model resnet18] [--runs 10]

Starts a spinning process (a plain Python busy loop) and times batch-1 inference with 1 and 2
threads, idle and busy. An engine whose threads spin and wait at barriers collapses when one of
its threads shares a core; the target is 2-thread busy latency within 1.5x of 1-thread latency.
"""
import argparse
import io
import multiprocessing as mp
import os

# NumPy's OpenBLAS threads spin after each call and steal cores from every engine being timed.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "python"))

from _timing import timeit, write_json  # noqa: E402


def spin(stop):
    x = 0
    while not stop.is_set():
        for _ in range(100000):
            x += 1




def _median_ms(fn, runs):
    return float(np.median(timeit(fn, runs, warmup=1)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="resnet18")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--json", help="also write the rows to this file (bench/run_all.py reads it)")
    args = ap.parse_args()
    import cnncore as cc
    cc.manual_seed(0)
    net = getattr(cc.zoo, args.model)()
    model = net.to_model()
    x = np.random.default_rng(0).standard_normal((1, 3, 224, 224)).astype(np.float32)
    engines = {"cnncore": None}
    try:
        import onnxruntime as ort
        import torch
        import torch_zoo
        tm = torch_zoo.build(args.model, 1000).eval()
        tm.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in net.state_dict().items()})
        buf = io.BytesIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(tm, (torch.from_numpy(x),), buf, dynamo=False, input_names=["input"], opset_version=17)
        engines["onnxruntime"] = buf.getvalue()
    except ImportError:
        print("onnxruntime or torch not installed: cnncore only")

    def runner(engine, threads):
        if engine == "cnncore":
            cc.set_num_threads(threads)
            return lambda: model(x)
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        sess = ort.InferenceSession(engines[engine], so, providers=["CPUExecutionProvider"])
        return lambda: sess.run(None, {"input": x})

    results = {}
    for busy in (False, True):
        stop = mp.Event()
        proc = mp.Process(target=spin, args=(stop,)) if busy else None
        if proc:
            proc.start()
            time.sleep(0.5)
        try:
            for engine in engines:
                for threads in (1, 2):
                    results[(engine, busy, threads)] = _median_ms(runner(engine, threads), args.runs)
        finally:
            if proc:
                stop.set()
                proc.join()
    print(f"\n{args.model}, batch 1, median of {args.runs} runs (ms); 'busy': another process spins on one core\n")
    print("| engine | idle 1 thread | idle 2 threads | busy 1 thread | busy 2 threads | busy 2 threads / busy 1 thread |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for e in engines:
        r = lambda b, t: results[(e, b, t)]
        print(f"| {e} | {r(False, 1):.2f} | {r(False, 2):.2f} | {r(True, 1):.2f} | {r(True, 2):.2f} | "
              f"{r(True, 2) / r(True, 1):.2f} |")
    if args.json:
        write_json(args.json, [dict(model=args.model, engine=e, idle_1=results[(e, False, 1)],
                                    idle_2=results[(e, False, 2)], busy_1=results[(e, True, 1)],
                                    busy_2=results[(e, True, 2)]) for e in engines])


if __name__ == "__main__":
    main()
