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
