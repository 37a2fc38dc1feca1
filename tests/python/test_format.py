""".cnnc files: bit-exact round trips, pickling, and corrupt files that must raise
ModelFormatError (checked in a subprocess, so a crash fails the test instead of killing it)."""
import json
import pickle
import struct
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import cnncore as cc
from cnncore import nn
from conftest import rand


def _bits(a):
    return np.asarray(a).view(np.uint8)


@pytest.fixture(scope="module")
def lenet():
    cc.manual_seed(11)
    return cc.zoo.lenet5()


def test_round_trip_is_bit_exact(tmp_path, lenet):
    path = tmp_path / "lenet.cnnc"
    lenet.save(path)
    loaded = cc.load(path)
    assert loaded.graph["nodes"] == lenet.to_model().graph["nodes"]
    sd, sd2 = lenet.to_model().state_dict(), loaded.state_dict()
    assert sd.keys() == sd2.keys()
    for k in sd:
        np.testing.assert_array_equal(_bits(sd[k]), _bits(sd2[k]))
    x = rand(np.random.default_rng(0), 3, 1, 32, 32)
    np.testing.assert_array_equal(loaded(x), lenet(x))
    loaded.save(tmp_path / "again.cnnc")
    assert (tmp_path / "again.cnnc").read_bytes() == path.read_bytes()
    assert not sd2["conv1.weight"].flags.writeable  # memory-mapped weights are read-only


def test_round_trip_resnet_with_batchnorm(tmp_path):
    cc.manual_seed(12)
    model = cc.zoo.resnet18(num_classes=7)
    model.save(tmp_path / "r.cnnc")
    x = rand(np.random.default_rng(1), 2, 3, 32, 32)
    np.testing.assert_array_equal(cc.load(tmp_path / "r.cnnc")(x), model(x))


def test_pickle(lenet):
    m = lenet.to_model()
    x = rand(np.random.default_rng(2), 1, 1, 32, 32)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(m))(x), m(x))
    m2 = pickle.loads(pickle.dumps(lenet))  # nn modules pickle too, parameters stay read-only
    np.testing.assert_array_equal(m2(x), m(x))
    assert not m2.conv1.weight.flags.writeable


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(OSError):
        cc.load(tmp_path / "nope.cnnc")
    with pytest.raises(OSError):
        cc.load(tmp_path)


def _variants(data, rng):
    """(label, bytes) of damaged copies of a valid file."""
    out = []
    for n in sorted({0, 1, 7, 8, 15, 16, 17, 60, 100, 116, 120, 128, len(data) // 2, len(data) - 1}
                    | set(rng.integers(1, len(data), 25).tolist())):
        out.append((f"truncated to {n}", data[:n]))
    for pos in list(range(0, 140)) + rng.integers(0, len(data), 200).tolist():
        b = bytearray(data)
        b[pos] ^= 1 << int(rng.integers(8))
        out.append((f"bit flip at byte {pos}", bytes(b)))
    for i in range(20):
        n = int(rng.integers(0, 4000))
        blob = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        out.append((f"random {n} bytes", blob))
        out.append((f"magic + random {n} bytes", data[:8] + blob))
        out.append((f"header + random {n} bytes", data[:200] + blob))
    b = bytearray(data)
    b[12:16] = struct.pack("<I", 0xFFFFFFFF)  # section count
    out.append(("huge section count", bytes(b)))
    out.append(("appended zeros", data + b"\x00" * 100))
    return out


def test_corrupt_files_raise_model_format_error(tmp_path, lenet):
    path = tmp_path / "good.cnnc"
    lenet.save(path)
    data = path.read_bytes()
    variants = _variants(data, np.random.default_rng(5))
    for i, (_, blob) in enumerate(variants):
        (tmp_path / f"v{i}.cnnc").write_bytes(blob)
    script = textwrap.dedent(f"""
        import json, sys, cnncore as cc
        results = []
        for i in range({len(variants)}):
            p = r"{tmp_path}/v%d.cnnc" % i
            for how in ("file", "bytes"):
                try:
                    m = cc.load(p) if how == "file" else cc.Model.from_bytes(open(p, "rb").read())
                    results.append("ok")
                except cc.ModelFormatError:
                    results.append("ModelFormatError")
                except Exception as e:
                    results.append(type(e).__name__ + ": " + str(e))
        print(json.dumps(results))
    """)
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"loader crashed (exit {r.returncode}): {r.stderr[-2000:]}"
    results = json.loads(r.stdout.strip().splitlines()[-1])
    for i, (label, _) in enumerate(variants):
        got = results[2 * i: 2 * i + 2]
        assert got == ["ModelFormatError", "ModelFormatError"], f"{label}: {got}"


def test_newer_version_is_unsupported(tmp_path, lenet):
    import zlib
    data = bytearray(lenet.to_model().to_bytes())
    data[8:12] = struct.pack("<I", 2)
    n = struct.unpack("<I", data[12:16])[0]
    end = 16 + 24 * n
    data[end:end + 4] = struct.pack("<I", zlib.crc32(bytes(data[:end])))  # a well-formed header of version 2
    with pytest.raises(cc.UnsupportedError, match="version 2"):
        cc.Model.from_bytes(bytes(data))


def test_graph_and_weights_survive_for_every_op(tmp_path):
    F = cc.functional

    class AllOps(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3, padding="same")
            self.convt = nn.ConvTranspose2d(4, 4, 2, stride=2)
            self.bn = nn.BatchNorm2d(4)
            self.prelu = nn.PReLU(4)
            self.lrn = nn.LocalResponseNorm(3)
            self.fc = nn.Linear(8, 5)

        def forward(self, x):
            y = self.prelu(self.bn(self.convt(self.conv(x))))
            y = F.avg_pool2d(F.max_pool2d(self.lrn(y), 2), 3, 1, 1, count_include_pad=False)
            y = F.concat([F.hardswish(y), F.gelu(y, "tanh") * 0.5 - y], 1)
            y = F.adaptive_avg_pool2d(F.leaky_relu(y, 0.2), (1, None))
            y = F.flatten(F.adaptive_max_pool2d(y, 1), 1)
            return F.log_softmax(self.fc(y), 1)

    cc.manual_seed(13)
    m = AllOps()
    x = rand(np.random.default_rng(3), 2, 3, 8, 8)
    m.save(tmp_path / "all.cnnc")
    loaded = cc.load(tmp_path / "all.cnnc")
    ops = {n["op"] for n in loaded.graph["nodes"]}
    assert {"conv2d", "conv_transpose2d", "batch_norm", "prelu", "lrn", "max_pool2d", "avg_pool2d", "concat",
            "hardswish", "gelu", "mul", "sub", "leaky_relu", "adaptive_avg_pool2d", "adaptive_max_pool2d", "flatten",
            "linear", "log_softmax"} <= ops
    np.testing.assert_array_equal(loaded(x), m(x))
