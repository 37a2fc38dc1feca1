"""Builds the C++ unit tests and runs them with CTest; installs the library and builds the
find_package(cnncore) example against it. Needs cmake and a C++ compiler (cmake and ninja come
with the `test` extra)."""
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "ctest"


def _cmake():
    exe = shutil.which("cmake")
    assert exe, "cmake is required for the C++ tests (pip install '.[test]' provides it)"
    return exe


def _run(cmd, **kw):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=1200, **kw)
    assert r.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{r.stdout[-6000:]}\n{r.stderr[-6000:]}"
    return r


def _generator():
    return ["-G", "Ninja"] if shutil.which("ninja") else []


@pytest.fixture(scope="module")
def cpp_build():
    cmake = _cmake()
    _run([cmake, "-S", ROOT, "-B", BUILD, *_generator(), "-DCMAKE_BUILD_TYPE=Release", "-DCNNCORE_BUILD_TESTS=ON",
          "-DCNNCORE_BUILD_PYTHON=OFF"])
    _run([cmake, "--build", BUILD, "--parallel", str(os.cpu_count() or 2)])
    return BUILD


def test_ctest(cpp_build):
    ctest = shutil.which("ctest") or str(pathlib.Path(_cmake()).with_name("ctest"))
    r = _run([ctest, "--test-dir", cpp_build, "--output-on-failure"])
    print(r.stdout)
    assert "100% tests passed" in r.stdout


@pytest.fixture(scope="module")
def example_app(cpp_build, tmp_path_factory):
    """examples/cpp built against an installed copy of the library (find_package)."""
    cmake = _cmake()
    tmp_path = tmp_path_factory.mktemp("example")
    prefix = tmp_path / "prefix"
    _run([cmake, "--install", cpp_build, "--prefix", prefix, "--component", "dev"])
    assert (prefix / "include" / "cnncore" / "cnncore.h").exists()
    app = tmp_path / "app"
    _run([cmake, "-S", ROOT / "examples" / "cpp", "-B", app, *_generator(), f"-DCMAKE_PREFIX_PATH={prefix}"])
    _run([cmake, "--build", app])
    return app


def test_find_package_example(example_app):
    out = _run([example_app / "lenet_functional"]).stdout
    assert "conv1  [2, 6, 28, 28]" in out and "pool2  [2, 16, 5, 5]" in out and "output [2, 10]" in out, out


def test_cpp_loads_a_model_saved_from_python(example_app, tmp_path):
    import numpy as np
    import cnncore as cc
    cc.manual_seed(21)
    model = cc.zoo.resnet18(num_classes=5)
    path = tmp_path / "resnet18.cnnc"
    model.save(path)
    out = _run([example_app / "run_model", path, 2, 3, 32, 32]).stdout.split("\n")
    assert out[0] == "output [2, 5]", out[0]
    got = np.array([float(v) for v in out[1:] if v], np.float32).reshape(2, 5)
    ramp = (np.arange(2 * 3 * 32 * 32) % 17).astype(np.float32)  # float32 arithmetic, as in run_model.cpp
    x = (ramp / np.float32(17) - np.float32(0.5)).reshape(2, 3, 32, 32)
    np.testing.assert_array_equal(got, model(x))  # the same library, the same plan: bit-exact


def test_cpp_loads_onnx(example_app, tmp_path):
    import numpy as np
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper
    import cnncore as cc
    w = np.random.default_rng(0).standard_normal((4, 3, 3, 3)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]), helper.make_node("Relu", ["c"], ["r"]),
         helper.make_node("GlobalAveragePool", ["r"], ["g"]), helper.make_node("Flatten", ["g"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [numpy_helper.from_array(w, "w")])
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    out = _run([example_app / "run_model", path, 2, 3, 8, 8]).stdout.split("\n")
    assert out[0] == "output [2, 4]", out[0]
    ramp = (np.arange(2 * 3 * 8 * 8) % 17).astype(np.float32)
    x = (ramp / np.float32(17) - np.float32(0.5)).reshape(2, 3, 8, 8)
    got = np.array([float(v) for v in out[1:] if v], np.float32).reshape(2, 4)
    np.testing.assert_array_equal(got, cc.load_onnx(path)(x))
