"""build_info, the ISA cap and dispatch logging, threads, fork safety, GIL release."""
import json
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import cnncore as cc

F = cc.functional


def run_py(code, **env):
    e = dict(os.environ, **env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=e, timeout=120)


def test_build_info_reports_dispatch():
    info = cc.build_info()
    for key in ("version", "compiler", "isa_compiled", "isa_detected", "isa_max", "isa_active", "openmp", "cuda",
                "num_threads", "cpu_features"):
        assert key in info
    assert info["version"] == cc.__version__
    assert "scalar" in info["isa_compiled"]
    order = ["scalar", "avx2", "avx512"]
    best_compiled = max(info["isa_compiled"], key=order.index)
    expect = min(info["isa_detected"], best_compiled, info["isa_max"], key=order.index)
    assert info["isa_active"] == expect
    feats = info["cpu_features"]
    assert info["isa_detected"] == ("avx512" if feats["avx512"] else "avx2" if feats["avx2"] else "scalar")
    assert info["num_threads"] == info["threads"] == cc.get_num_threads()
    assert info["cuda_built"] == info["cuda"]
    assert info["isa_available"] == [i for i in order if i in info["isa_compiled"] and
                                     order.index(i) <= order.index(info["isa_detected"])]


def test_isa_detection_matches_proc_cpuinfo():
    if not os.path.exists("/proc/cpuinfo"):
        pytest.skip("no /proc/cpuinfo")
    flags = set()
    for line in open("/proc/cpuinfo"):
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
            break
    feats = cc.build_info()["cpu_features"]
    assert feats["avx2"] == ({"avx2", "fma"} <= flags)
    assert feats["avx512"] == ({"avx512f", "avx512bw", "avx512dq", "avx512vl"} <= flags)


@pytest.mark.parametrize("isa", ["scalar", "avx2", "avx512"])
def test_set_max_isa_caps_active(isa):
    try:
        cc.set_max_isa(isa)
        info = cc.build_info()
        assert info["isa_max"] == isa and cc.get_max_isa() == isa
        order = ["scalar", "avx2", "avx512"]
        assert order.index(info["isa_active"]) <= order.index(isa)
    finally:
        cc.set_max_isa(None)
    assert cc.get_max_isa() == "avx512"


def test_env_cap_and_verbose_dispatch_log():
    code = ("import numpy as np, cnncore as cc, json; cc.functional.relu(np.ones(40, np.float32)); "
            "cc.functional.softplus(np.ones(3, np.float32)); print(json.dumps(cc.build_info()))")
    r = run_py(code, CNNCORE_MAX_ISA="avx2", CNNCORE_VERBOSE="dispatch")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout.strip().splitlines()[-1])
    assert info["isa_max"] == "avx2"
    detected = info["isa_detected"]
    # relu: avx512 passed over (cap), avx2 chosen when the CPU has it; softplus: only the reference has it
    if detected in ("avx2", "avx512"):
        assert "dispatch eltwise relu n=40 -> avx2" in r.stderr, r.stderr
        if "avx512" in info["isa_compiled"]:
            assert "avx512:" in r.stderr.split("relu n=40")[1].splitlines()[0]
        assert "softplus n=3 -> ref (passed over: " in r.stderr and "not implemented in this variant" in r.stderr
    r = run_py("import cnncore as cc; print(cc.get_max_isa())", CNNCORE_MAX_ISA="bogus")
    assert r.stdout.strip().splitlines()[-1] == "scalar" and "unknown CNNCORE_MAX_ISA" in r.stderr
    r = run_py("import numpy as np, cnncore as cc; cc.functional.relu(np.ones(4, np.float32))")
    assert "cnncore:" not in r.stderr + r.stdout, "cnncore prints nothing by default"


def test_thread_settings():
    n0 = cc.get_num_threads()
    assert n0 == cc.build_info()["available_cpus"] or "CNNCORE_NUM_THREADS" in os.environ
    try:
        cc.set_num_threads(3)
        assert cc.get_num_threads() == 3
    finally:
        cc.set_num_threads(n0)
    r = run_py("import cnncore as cc; print(cc.get_num_threads())", CNNCORE_NUM_THREADS="5")
    assert r.stdout.strip().splitlines()[-1] == "5"


def test_default_threads_respect_affinity():
    if not hasattr(os, "sched_setaffinity"):
        pytest.skip("no sched_setaffinity")
    code = "import os; os.sched_setaffinity(0, {0}); import cnncore as cc; print(cc.get_num_threads())"
    r = run_py(code)
    assert r.returncode == 0 and r.stdout.strip().splitlines()[-1] == "1", r.stderr


def test_forked_child_does_not_hang():
    code = """
import os, sys, numpy as np, cnncore as cc
cc.set_num_threads(2)
x = np.random.default_rng(0).standard_normal((2, 8, 32, 32)).astype(np.float32)
w = np.ones((8, 8, 3, 3), np.float32)
parent = cc.functional.conv2d(x, w, padding=1)      # starts the OpenMP pool
pid = os.fork()
if pid == 0:
    child = cc.functional.conv2d(x, w, padding=1)
    os._exit(0 if np.array_equal(child, parent) else 3)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
"""
    r = run_py(code)
    assert r.returncode == 0, r.stderr


def test_shared_core_falls_back_to_one_thread_with_the_same_bits():
    """A process spinning on one of the two CPUs cnncore runs on: the threads' regions stall on
    the shared core, cnncore notices (logged under CNNCORE_VERBOSE=threads) and runs on one
    thread for a while; every output stays bitwise the 1-thread one."""
    if not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2 or not cc.build_info()["openmp"]:
        pytest.skip("needs two CPUs and OpenMP")
    code = """
import os, sys, time, multiprocessing as mp, numpy as np
cpus = sorted(os.sched_getaffinity(0))[:2]
os.sched_setaffinity(0, set(cpus))

def spin(stop):
    os.sched_setaffinity(0, {cpus[1]})
    while not stop.is_set():
        sum(range(10000))

if __name__ == "__main__":
    import cnncore as cc
    cc.manual_seed(0)
    m = cc.zoo.resnet18(num_classes=10).to_model()
    x = np.random.default_rng(0).standard_normal((1, 3, 96, 96)).astype(np.float32)
    cc.set_num_threads(1)
    ref = m(x)
    cc.set_num_threads(2)
    stop = mp.Event()
    p = mp.Process(target=spin, args=(stop,))
    p.start()
    try:
        t0 = time.time()
        while time.time() - t0 < 3:
            assert np.array_equal(m(x), ref)
    finally:
        stop.set()
        p.join()
    print("ok")
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, CNNCORE_VERBOSE="threads"))
    assert r.returncode == 0 and r.stdout.strip().endswith("ok"), r.stderr[-2000:]
    assert "threads: a core is shared" in r.stderr, r.stderr[-2000:]


def test_gil_is_released_during_compute():
    # One call long enough to observe (the reference path, so kernel speed-ups don't shrink it)
    x = np.random.default_rng(0).standard_normal((4, 64, 56, 56)).astype(np.float32)
    w = np.ones((64, 64, 3, 3), np.float32)
    cc.set_num_threads(1)
    cc.set_max_isa("scalar")
    try:
        ticks = []
        done = threading.Event()

        def ticker():
            while not done.is_set():
                ticks.append(time.perf_counter())
                time.sleep(0.001)

        t = threading.Thread(target=ticker)
        t.start()
        time.sleep(0.01)
        start = time.perf_counter()
        F.conv2d(x, w, padding=1)
        end = time.perf_counter()
        done.set()
        t.join()
    finally:
        cc.set_num_threads(cc.build_info()["available_cpus"])
        cc.set_max_isa(None)
    during = [s for s in ticks if start < s < end]
    # with the GIL held for the whole call, the ticker could not run inside it at all
    assert end - start > 0.03, f"the call took only {end - start:.3f} s: too short to observe"
    assert len(during) >= 5, (end - start, len(during))


def test_results_identical_across_runs_and_threads():
    rng = np.random.default_rng(11)
    x = rng.standard_normal((3, 7, 19, 23)).astype(np.float32)
    ops = [lambda: F.conv2d(x, np.ones((5, 7, 3, 3), np.float32) * 0.1, padding=1),
           lambda: F.avg_pool2d(x, 3, 2, 1), lambda: F.softmax(x, 1), lambda: F.linear(x, np.ones((4, 23), np.float32)),
           lambda: F.local_response_norm(x, 5), lambda: F.relu(x)]
    n0 = cc.get_num_threads()
    try:
        for op in ops:
            cc.set_num_threads(1)
            base = op()
            for n in (2, 4, 1):
                cc.set_num_threads(n)
                np.testing.assert_array_equal(op(), base)
    finally:
        cc.set_num_threads(n0)


def test_peak_probe_measures_something():
    info = cc.build_info()
    order = ["scalar", "avx2", "avx512"]
    for isa in ("avx2", "avx512"):
        if isa in info["isa_compiled"] and order.index(isa) <= order.index(info["isa_detected"]):
            assert cc._core.peak_gflops(isa, 1) > 1.0
        else:
            with pytest.raises(cc.UnsupportedError):
                cc._core.peak_gflops(isa, 1)
    with pytest.raises(cc.InvalidArgumentError):
        cc._core.peak_gflops("sse9", 1)


def test_conv_algorithm_choice_is_logged():
    """Compiled 3x3 stride-1 convolutions take Winograd on planes of >= 16 tiles with >= 16
    channels, the GEMM elsewhere, and say why under CNNCORE_VERBOSE=dispatch; AlexNet's 11x11
    stride-4 first layer and ResNet's 7x7 stride-2 one fold their stride into channels first; a
    one-channel 7x7 stride 2 would fold into 4, too few for Winograd."""
    code = ("import numpy as np, cnncore as cc\n"
            "for hw in (16, 7):\n"
            "    m = cc.nn.Conv2d(32, 32, 3, padding=1).to_model()\n"
            "    m(np.ones((1, 32, hw, hw), np.float32))\n"
            "cc.functional.conv2d(np.ones((1, 32, 16, 16), np.float32), np.ones((32, 32, 3, 3), np.float32), padding=1)\n"
            "cc.nn.Conv2d(3, 64, 11, stride=4, padding=2).to_model()(np.ones((1, 3, 224, 224), np.float32))\n"
            "cc.nn.Conv2d(3, 64, 7, stride=2, padding=3).to_model()(np.ones((1, 3, 64, 64), np.float32))\n"
            "cc.nn.Conv2d(1, 64, 7, stride=2, padding=3).to_model()(np.ones((1, 1, 64, 64), np.float32))\n")
    r = run_py(code, CNNCORE_VERBOSE="dispatch", CNNCORE_CONV_ALGO="auto")
    assert r.returncode == 0, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if "conv-algo" in ln]
    if cc.build_info()["isa_detected"] == "scalar":
        assert not lines  # scalar CPUs run the reference convolution
        return
    assert len(lines) == 6, r.stderr
    assert "ih16" in lines[0] and "-> winograd F(4x4,3x3)" in lines[0]
    assert "ih7" in lines[1] and "-> gemm (fewer than 16 tiles" in lines[1]
    assert "-> gemm (weights packed per call" in lines[2]
    assert "11x11s4 -> space-to-depth (48 channels at stride 1), then winograd F(4x4,3x3)" in lines[3]
    assert "ic3ih64iw64_oc64_7x7s2 -> space-to-depth (12 channels at stride 1), then winograd F(3x3,4x4)" in lines[4]
    assert "7x7s2 -> gemm (its space-to-depth form, conv2d:n1ic4ih35iw35_oc64_4x4s1" in lines[5]  # 4 channels
