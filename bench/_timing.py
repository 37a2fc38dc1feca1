"""Shared by the benchmarks: wall-clock timing (per-run milliseconds after warm-up runs), and the
JSON rows each benchmark writes with --json for bench/run_all.py."""
import json
import time

import numpy as np


def timeit(fn, runs, warmup=2):
    for _ in range(warmup):
        fn()
    t = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        t.append(time.perf_counter() - t0)
    return np.array(t) * 1e3


def timeit_interleaved(fns, runs, warmup=2, settle=0.05, rewarm=0.01):
    """{engine: fn} -> {engine: per-run ms}. The engines take turns, run by run, so a burst of
    load from another process on a shared machine hits all of them alike instead of whichever was
    being timed. Before its turn an engine waits `settle` seconds, so the previous engine's worker
    threads have stopped spinning (onnxruntime's spin into the next call: measured 0.60 -> 0.81 ms
    median on a 0.6 ms layer), then makes untimed calls for at least `rewarm` seconds (and at
    least three), since the first calls after an idle pause run slow (a 0.6 ms layer: 2.7 ms
    after one call, 0.65 ms after five)."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    t = {k: [] for k in fns}
    for _ in range(runs):
        for k, fn in fns.items():
            time.sleep(settle)
            t0, n = time.perf_counter(), 0
            while n < 3 or time.perf_counter() - t0 < rewarm:
                fn()
                n += 1
            t0 = time.perf_counter()
            fn()
            t[k].append(time.perf_counter() - t0)
    return {k: np.array(v) * 1e3 for k, v in t.items()}


def write_json(path, rows):
    """Rows (dicts of plain numbers and strings; NumPy scalars become floats) to `path`."""
    def plain(v):
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        return float(v) if isinstance(v, np.floating) else v
    with open(path, "w") as f:
        json.dump([plain(r) for r in rows], f, indent=1)
