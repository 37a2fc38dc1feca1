"""ONNX import: ``cnncore.load_onnx(path_or_bytes) -> cnncore.Model``.

The C++ core decodes the protobuf itself (no onnx or protobuf package is needed at run time),
folds shape arithmetic and batch norm, and compiles the same graph a native model uses. A model
exported with a symbolic batch runs at any batch size. See docs/onnx.md for the supported ops.
"""
import os

from . import _core
from .model import Model


def load_onnx(model):
    """Loads an ONNX model from a path, bytes, or an ``onnx.ModelProto``.

    Raises UnsupportedError listing every node cnncore cannot run, ModelFormatError for a
    malformed file, OSError when the file (or its external data) cannot be read.
    """
    if isinstance(model, (bytes, bytearray, memoryview)):
        return Model(_core.load_onnx_bytes(bytes(model)))
    if hasattr(model, "SerializeToString"):
        return Model(_core.load_onnx_bytes(model.SerializeToString()))
    return Model(_core.load_onnx(os.fspath(model)))
