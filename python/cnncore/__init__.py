"""cnncore: convolutional-network inference with a small, fast C++ core.

Quick start::

    import numpy as np, cnncore as cc
    F = cc.functional
    y = F.relu(F.conv2d(x, w, b, stride=1, padding=1))
"""
from . import errors
from .errors import CnncoreError, DeviceError, InvalidArgumentError, ModelFormatError, UnsupportedError
from . import _core
from . import functional
from . import nn
from . import zoo
from .model import Model, load
from .onnx import load_onnx
from .nn.init import manual_seed

__version__ = _core.__version__

_ISAS = ("scalar", "avx2", "avx512")


def build_info():
    """How this build was made and what it runs on.

    Keys: version, compiler; isa_compiled (built in), isa_available (built in and supported by this
    CPU/OS), isa_detected (best the CPU/OS supports), isa_max (the cap), isa_active (what kernels
    dispatch to); cpu_features; openmp, openmp_version; cuda / cuda_built, cuda_devices;
    num_threads / threads, available_cpus.
    """
    return _core.build_info()


def set_num_threads(n):
    """Sets the threads every op may use (default: the CPUs this process may run on)."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"set_num_threads: n must be an int, got {type(n).__name__}")
    _core.set_num_threads(n)


def get_num_threads():
    """Threads ops use."""
    return _core.get_num_threads()


def set_max_isa(isa):
    """Caps kernel dispatch at ``"scalar"``, ``"avx2"`` or ``"avx512"`` (``None`` removes the cap).

    The cap never raises the level above what the CPU supports; see ``build_info()["isa_active"]``.
    The environment variable ``CNNCORE_MAX_ISA`` sets the initial cap.
    """
    if isa is None:
        isa = "avx512"
    if not isinstance(isa, str):
        raise TypeError(f"set_max_isa: expected a str, got {type(isa).__name__}")
    if isa not in _ISAS:
        raise InvalidArgumentError(f"set_max_isa: unknown ISA {isa!r} (expected one of {', '.join(_ISAS)})")
    _core.set_max_isa(isa)


def get_max_isa():
    """The current ISA cap."""
    return _core.get_max_isa()


__all__ = [
    "__version__", "build_info", "set_num_threads", "get_num_threads", "set_max_isa", "get_max_isa",
    "functional", "nn", "zoo", "Model", "load", "load_onnx", "manual_seed", "errors", "CnncoreError", "InvalidArgumentError", "UnsupportedError", "ModelFormatError",
    "DeviceError",
]
