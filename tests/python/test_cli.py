"""The command line: `python -m cnncore demo` (the README's first command)."""
import subprocess
import sys


def test_demo_runs_and_reports_lenet5():
    r = subprocess.run([sys.executable, "-m", "cnncore", "demo", "--batch", "2"], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "(32 - 5 + 2*0)/1 + 1 = 28 -> 28x28x6, 5*5*1*6 + 6 = 156 params" in out
    assert "total parameters: 61,706" in out  # LeNet-5, as PyTorch counts it
    assert "batch 2" in out and "reloaded as .cnnc" in out and "forward pass: median" in out


def test_unknown_command_fails_cleanly():
    r = subprocess.run([sys.executable, "-m", "cnncore", "nope"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "invalid choice" in r.stderr


def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "cnncore", *map(str, args)], capture_output=True, text=True,
                          timeout=300, cwd=cwd)


def test_summary_run_and_bench(tmp_path):
    import numpy as np
    import cnncore as cc
    cc.manual_seed(0)
    net = cc.zoo.lenet5()
    net.save(tmp_path / "lenet.cnnc")
    r = _cli("summary", tmp_path / "lenet.cnnc", "--shape", "1x32x32")
    assert r.returncode == 0 and "total parameters: 61,706" in r.stdout, r.stderr
    x = np.random.default_rng(0).standard_normal((2, 1, 32, 32)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    r = _cli("run", tmp_path / "lenet.cnnc", tmp_path / "x.npy", "-o", tmp_path / "y.npy")
    assert r.returncode == 0, r.stderr
    np.testing.assert_array_equal(np.load(tmp_path / "y.npy"), net(x))
    r = _cli("bench", "resnet18", "--shape", "3x32x32", "--runs", "3")
    assert r.returncode == 0 and "median" in r.stdout and "GFLOP/s" in r.stdout, r.stderr
    r = _cli("run", tmp_path / "lenet.cnnc", tmp_path / "missing.npy")
    assert r.returncode == 1 and "cnncore:" in r.stderr
    r = _cli("summary", "no_such_model")
    assert r.returncode != 0 and "neither a .cnnc file nor a zoo model" in r.stderr
