"""Wall-clock timing shared by the benchmarks: per-run milliseconds after warm-up runs."""
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
