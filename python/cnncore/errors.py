"""Exceptions raised by cnncore.

Each derives from the builtin exception a caller would naturally catch, so
``except ValueError`` keeps working for bad arguments.
"""


class CnncoreError(Exception):
    """Base class of every cnncore exception."""


class InvalidArgumentError(CnncoreError, ValueError):
    """An argument (shape, attribute, weight) is invalid for the op."""


class UnsupportedError(CnncoreError, NotImplementedError):
    """A valid request that cnncore does not implement."""


class ModelFormatError(CnncoreError, ValueError):
    """A model file is malformed or corrupt."""


class DeviceError(CnncoreError, RuntimeError):
    """A device (e.g. CUDA) failed or is not available."""


__all__ = ["CnncoreError", "InvalidArgumentError", "UnsupportedError", "ModelFormatError", "DeviceError"]
