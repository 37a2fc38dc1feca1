"""Stateless ops on numpy arrays, with PyTorch's names and argument order.

Inputs: numpy arrays (or anything ``np.asarray`` accepts), NCHW. A float32 C-contiguous array is
used without copying. Other floating dtypes (float16, float64, ...) and non-contiguous arrays are
converted to a float32 C-contiguous copy first. Integer, bool, complex and object arrays raise
``TypeError`` (``embedding`` indices are the one place integers are expected). Python ``int`` and
``float`` scalars are accepted as the second operand of ``add``/``sub``/``mul``/``div``.

Outputs: new float32 numpy arrays (``reshape``/``flatten`` return views, like numpy).

Padding for convolution and pooling may be an int, a pair ``(pad_h, pad_w)``, an asymmetric
4-tuple ``(top, left, bottom, right)`` (ONNX order), ``"same"`` (output = ceil(input / stride),
an odd extra pad goes to the bottom/right, as ONNX SAME_UPPER; for stride 1 this equals PyTorch),
or ``"valid"`` (no padding).

Invalid arguments raise :class:`cnncore.InvalidArgumentError` (a ``ValueError``) naming the op
and the values; wrong types raise ``TypeError``. The GIL is released while the C++ core runs.
"""
import numbers

import numpy as np

from . import _core
from .errors import InvalidArgumentError, UnsupportedError

__all__ = [
    "conv2d", "conv1d", "conv_transpose2d",
    "max_pool2d", "avg_pool2d", "max_pool1d", "avg_pool1d",
    "adaptive_avg_pool2d", "adaptive_max_pool2d", "adaptive_avg_pool1d", "adaptive_max_pool1d",
    "global_avg_pool2d", "global_max_pool2d",
    "linear", "relu", "relu6", "leaky_relu", "prelu", "elu", "selu", "sigmoid", "tanh", "hardtanh",
    "clamp", "clip", "hardswish", "hardsigmoid", "silu", "gelu", "softplus", "softmax", "log_softmax",
    "batch_norm", "local_response_norm", "dropout", "embedding",
    "add", "sub", "mul", "div", "maximum", "minimum", "concat", "cat", "flatten", "reshape",
]


# ----------------------------------------------------------------------------- argument helpers

def _tensor(x, op, name="input"):
    """float32 C-contiguous array for x (no copy when it already is one)."""
    if isinstance(x, np.ndarray) and x.dtype == np.float32 and x.flags.c_contiguous and x.flags.aligned:
        return x
    try:
        a = np.asarray(x)
    except Exception as e:  # ragged lists, unconvertible objects
        raise TypeError(f"{op}: {name} must be an array of floats, got {type(x).__name__}") from e
    if a.dtype.kind != "f":
        raise TypeError(f"{op}: {name} must have a floating-point dtype, got {a.dtype}")
    return np.array(a, dtype=np.float32, order="C")  # a copy: converted, contiguous and aligned


def _opt_tensor(x, op, name):
    return None if x is None else _tensor(x, op, name)


def _int(v, op, name):
    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
        raise TypeError(f"{op}: {name} must be an int, got {v!r}")
    return int(v)


def _float(v, op, name):
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise TypeError(f"{op}: {name} must be a number, got {v!r}")
    return float(v)


def _ints(v, n, op, name):
    """An int or a sequence of n ints -> tuple of n ints."""
    if isinstance(v, (list, tuple)):
        if len(v) != n:
            raise InvalidArgumentError(f"{op}: {name} must be an int or {n} ints, got {tuple(v)!r}")
        return tuple(_int(e, op, name) for e in v)
    return (_int(v, op, name),) * n


def _pads2d(padding, op):
    """-> (top, left, bottom, right), mode."""
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise InvalidArgumentError(f"{op}: padding must be 'same', 'valid', an int, a pair or a 4-tuple, got {padding!r}")
        return (0, 0, 0, 0), padding
    if isinstance(padding, (list, tuple)) and len(padding) == 4:
        return tuple(_int(p, op, "padding") for p in padding), "explicit"
    ph, pw = _ints(padding, 2, op, "padding")
    return (ph, pw, ph, pw), "explicit"


def _pads1d(padding, op):
    """-> (left, right), mode."""
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise InvalidArgumentError(f"{op}: padding must be 'same', 'valid', an int or a pair, got {padding!r}")
        return (0, 0), padding
    if isinstance(padding, (list, tuple)):
        if len(padding) == 1:
            padding = padding[0]
        elif len(padding) == 2:
            return tuple(_int(p, op, "padding") for p in padding), "explicit"
        else:
            raise InvalidArgumentError(f"{op}: padding must be an int or (left, right), got {tuple(padding)!r}")
    p = _int(padding, op, "padding")
    return (p, p), "explicit"


def _batched(x, op, rank):
    """Adds a batch dimension to an unbatched input (like PyTorch). -> (array, was_unbatched)."""
    if x.ndim == rank - 1:
        return x[None], True
    if x.ndim != rank:
        raise InvalidArgumentError(
            f"{op}: expected a {rank}-D (batched) or {rank - 1}-D (unbatched) input, got shape {x.shape}")
    return x, False


def _unbatch(y, unbatched):
    return y[0] if unbatched else y


# ----------------------------------------------------------------------------- convolution

def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution. input [N, C, H, W] (or [C, H, W]), weight [K, C/groups, kH, kW], bias [K].

    Output [N, K, OH, OW] with ``OH = (H + pad_top + pad_bottom - dilation*(kH - 1) - 1) // stride + 1``.
    """
    op = "conv2d"
    x, unb = _batched(_tensor(input, op), op, 4)
    pads, mode = _pads2d(padding, op)
    y = _core.conv2d(x, _tensor(weight, op, "weight"), _opt_tensor(bias, op, "bias"), _ints(stride, 2, op, "stride"),
                     pads, mode, _ints(dilation, 2, op, "dilation"), _int(groups, op, "groups"))
    return _unbatch(y, unb)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution (e.g. over word embeddings). input [N, C, L] (or [C, L]), weight [K, C/groups, k]."""
    op = "conv1d"
    x, unb = _batched(_tensor(input, op), op, 3)
    pads, mode = _pads1d(padding, op)
    y = _core.conv1d(x, _tensor(weight, op, "weight"), _opt_tensor(bias, op, "bias"), _ints(stride, 1, op, "stride")[0],
                     pads, mode, _ints(dilation, 1, op, "dilation")[0], _int(groups, op, "groups"))
    return _unbatch(y, unb)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 2-D convolution (PyTorch argument order: groups before dilation).

    input [N, C, H, W], weight [C, K/groups, kH, kW]; output height
    ``(H - 1)*stride - pad_top - pad_bottom + dilation*(kH - 1) + output_padding + 1``.
    """
    op = "conv_transpose2d"
    x, unb = _batched(_tensor(input, op), op, 4)
    if isinstance(padding, str):
        raise InvalidArgumentError(f"{op}: padding must be an int, a pair or a 4-tuple, got {padding!r}")
    pads, _ = _pads2d(padding, op)
    y = _core.conv_transpose2d(x, _tensor(weight, op, "weight"), _opt_tensor(bias, op, "bias"),
                               _ints(stride, 2, op, "stride"), pads, _ints(output_padding, 2, op, "output_padding"),
                               _ints(dilation, 2, op, "dilation"), _int(groups, op, "groups"))
    return _unbatch(y, unb)


# ----------------------------------------------------------------------------- pooling

def _no_indices(return_indices, op):
    if return_indices:
        raise UnsupportedError(f"{op}: return_indices=True is not supported (inference only)")


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """2-D max pooling; padding never wins (implicit -inf). stride defaults to kernel_size."""
    op = "max_pool2d"
    _no_indices(return_indices, op)
    x, unb = _batched(_tensor(input, op), op, 4)
    k = _ints(kernel_size, 2, op, "kernel_size")
    s = k if stride is None or stride == () or stride == [] else _ints(stride, 2, op, "stride")
    pads, mode = _pads2d(padding, op)
    y = _core.pool2d("max", x, k, s, pads, mode, _ints(dilation, 2, op, "dilation"), bool(ceil_mode), True, 0)
    return _unbatch(y, unb)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """2-D average pooling with PyTorch's divisor rules (count_include_pad, ceil_mode, divisor_override)."""
    op = "avg_pool2d"
    x, unb = _batched(_tensor(input, op), op, 4)
    k = _ints(kernel_size, 2, op, "kernel_size")
    s = k if stride is None or stride == () or stride == [] else _ints(stride, 2, op, "stride")
    pads, mode = _pads2d(padding, op)
    div = 0
    if divisor_override is not None:
        div = _int(divisor_override, op, "divisor_override")
        if div <= 0:
            raise InvalidArgumentError(f"{op}: divisor_override must be > 0, got {div}")
    y = _core.pool2d("avg", x, k, s, pads, mode, (1, 1), bool(ceil_mode), bool(count_include_pad), div)
    return _unbatch(y, unb)


def _pool1d_args(input, kernel_size, stride, padding, op):
    """-> batched input, was_unbatched, kernel, stride (default: kernel), (0, left, 0, right) pads, mode."""
    x, unb = _batched(_tensor(input, op), op, 3)
    k = _ints(kernel_size, 1, op, "kernel_size")[0]
    s = k if stride is None or stride == () or stride == [] else _ints(stride, 1, op, "stride")[0]
    (pl, pr), mode = _pads1d(padding, op)
    return x, unb, k, s, (0, pl, 0, pr), mode


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """1-D max pooling over [N, C, L]; ``kernel_size=L`` gives max-over-time pooling."""
    op = "max_pool1d"
    _no_indices(return_indices, op)
    x, unb, k, s, pads, mode = _pool1d_args(input, kernel_size, stride, padding, op)
    d = _ints(dilation, 1, op, "dilation")[0]
    y = _core.pool2d("max1d", x, (1, k), (1, s), pads, mode, (1, d), bool(ceil_mode), True, 0)
    return _unbatch(y, unb)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """1-D average pooling over [N, C, L]."""
    op = "avg_pool1d"
    x, unb, k, s, pads, mode = _pool1d_args(input, kernel_size, stride, padding, op)
    y = _core.pool2d("avg1d", x, (1, k), (1, s), pads, mode, (1, 1), bool(ceil_mode), bool(count_include_pad), 0)
    return _unbatch(y, unb)


def _adaptive_size(output_size, x, n, op):
    """int / sequence with None entries (keep the input size) -> list of n ints."""
    if isinstance(output_size, (list, tuple)):
        if len(output_size) != n:
            raise InvalidArgumentError(f"{op}: output_size must be an int or {n} values, got {tuple(output_size)!r}")
        sizes = list(output_size)
    else:
        sizes = [output_size] * n
    return [x.shape[x.ndim - n + i] if s is None else _int(s, op, "output_size") for i, s in enumerate(sizes)]


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed output size; window i covers [floor(i*H/OH), ceil((i+1)*H/OH))."""
    op = "adaptive_avg_pool2d"
    x, unb = _batched(_tensor(input, op), op, 4)
    return _unbatch(_core.adaptive_pool("avg", x, _adaptive_size(output_size, x, 2, op)), unb)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling to a fixed output size."""
    op = "adaptive_max_pool2d"
    _no_indices(return_indices, op)
    x, unb = _batched(_tensor(input, op), op, 4)
    return _unbatch(_core.adaptive_pool("max", x, _adaptive_size(output_size, x, 2, op)), unb)


def adaptive_avg_pool1d(input, output_size):
    op = "adaptive_avg_pool1d"
    x, unb = _batched(_tensor(input, op), op, 3)
    return _unbatch(_core.adaptive_pool("avg", x, _adaptive_size(output_size, x, 1, op)), unb)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """``adaptive_max_pool1d(x, 1)`` is max-over-time pooling for text CNNs."""
    op = "adaptive_max_pool1d"
    _no_indices(return_indices, op)
    x, unb = _batched(_tensor(input, op), op, 3)
    return _unbatch(_core.adaptive_pool("max", x, _adaptive_size(output_size, x, 1, op)), unb)


def global_avg_pool2d(input):
    """[N, C, H, W] -> [N, C, 1, 1] mean (ONNX GlobalAveragePool)."""
    return adaptive_avg_pool2d(input, 1)


def global_max_pool2d(input):
    """[N, C, H, W] -> [N, C, 1, 1] max (ONNX GlobalMaxPool)."""
    return adaptive_max_pool2d(input, 1)


# ----------------------------------------------------------------------------- dense and activations

def linear(input, weight, bias=None):
    """y = input @ weight.T + bias; input [..., in], weight [out, in]."""
    op = "linear"
    return _core.linear(_tensor(input, op), _tensor(weight, op, "weight"), _opt_tensor(bias, op, "bias"))


def _act(input, op, kind, alpha=0.0, beta=0.0, inplace=False):
    x = _tensor(input, op)
    y = _core.activation(x, kind, alpha, beta)
    if inplace:
        if not (isinstance(input, np.ndarray) and input.dtype == np.float32 and input.flags.writeable):
            raise TypeError(f"{op}: inplace=True needs a writeable float32 numpy array")
        np.copyto(input, y.reshape(input.shape))
        return input
    return y


def relu(input, inplace=False):
    return _act(input, "relu", "relu", inplace=inplace)


def relu6(input, inplace=False):
    return _act(input, "relu6", "clip", 0.0, 6.0, inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return _act(input, "leaky_relu", "leaky_relu", _float(negative_slope, "leaky_relu", "negative_slope"), 0.0, inplace)


def prelu(input, weight):
    """x < 0 ? weight[c]*x : x, with weight of 1 element or one per channel (dim 1)."""
    op = "prelu"
    return _core.prelu(_tensor(input, op), _tensor(weight, op, "weight"))


def elu(input, alpha=1.0, inplace=False):
    return _act(input, "elu", "elu", _float(alpha, "elu", "alpha"), 1.0, inplace)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):
    return _act(input, "selu", "elu", _SELU_ALPHA, _SELU_SCALE, inplace)


def sigmoid(input):
    return _act(input, "sigmoid", "sigmoid")


def tanh(input):
    return _act(input, "tanh", "tanh")


def silu(input, inplace=False):
    return _act(input, "silu", "silu", inplace=inplace)


def gelu(input, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise InvalidArgumentError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return _act(input, "gelu", "gelu" if approximate == "none" else "gelu_tanh")


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    op = "hardtanh"
    return _act(input, op, "clip", _float(min_val, op, "min_val"), _float(max_val, op, "max_val"), inplace)


def clamp(input, min=None, max=None):
    """Clips to [min, max]; either bound may be None (torch.clamp)."""
    op = "clamp"
    if min is None and max is None:
        raise InvalidArgumentError("clamp: at least one of min and max must be given")
    lo = -np.inf if min is None else _float(min, op, "min")
    hi = np.inf if max is None else _float(max, op, "max")
    return _act(input, op, "clip", lo, hi)


clip = clamp


def hardswish(input, inplace=False):
    return _act(input, "hardswish", "hardswish", inplace=inplace)


def hardsigmoid(input, inplace=False):
    return _act(input, "hardsigmoid", "hardsigmoid", 1.0 / 6.0, 0.5, inplace)


def softplus(input, beta=1.0, threshold=20.0):
    op = "softplus"
    return _act(input, op, "softplus", _float(beta, op, "beta"), _float(threshold, op, "threshold"))


def softmax(input, dim=None):
    """Numerically stable softmax along ``dim`` (required)."""
    if dim is None:
        raise TypeError("softmax: dim is required")
    return _core.softmax(_tensor(input, "softmax"), _int(dim, "softmax", "dim"), False)


def log_softmax(input, dim=None):
    if dim is None:
        raise TypeError("log_softmax: dim is required")
    return _core.softmax(_tensor(input, "log_softmax"), _int(dim, "log_softmax", "dim"), True)


# ----------------------------------------------------------------------------- normalisation, misc

def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Inference batch norm over dim 1: (x - mean) / sqrt(var + eps) * weight + bias."""
    op = "batch_norm"
    if training:
        raise UnsupportedError("batch_norm: training=True is not supported (inference only)")
    return _core.batch_norm(_tensor(input, op), _tensor(running_mean, op, "running_mean"),
                            _tensor(running_var, op, "running_var"), _opt_tensor(weight, op, "weight"),
                            _opt_tensor(bias, op, "bias"), _float(eps, op, "eps"))


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Cross-channel LRN (AlexNet): x / (k + alpha/size * sum of x^2 over a window of `size` channels)^beta.

    The window covers channels [c - size//2, c + (size-1)//2], as in PyTorch.
    """
    op = "local_response_norm"
    return _core.local_response_norm(_tensor(input, op), _int(size, op, "size"), _float(alpha, op, "alpha"),
                                     _float(beta, op, "beta"), _float(k, op, "k"), -1)


def dropout(input, p=0.5, training=False, inplace=False):
    """Identity at inference. training=True raises UnsupportedError."""
    p = _float(p, "dropout", "p")
    if not 0.0 <= p <= 1.0:
        raise InvalidArgumentError(f"dropout: p must be in [0, 1], got {p}")
    if training:
        raise UnsupportedError("dropout: training=True is not supported (inference only)")
    return input if inplace else _tensor(input, "dropout")


def embedding(input, weight, padding_idx=None, max_norm=None):
    """Rows of weight [V, D] for integer indices -> input.shape + (D,).

    padding_idx only affects training and is accepted for compatibility; max_norm (which
    rewrites the weights) is not supported.
    """
    op = "embedding"
    if max_norm is not None:
        raise UnsupportedError("embedding: max_norm is not supported")
    idx = np.asarray(input)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be an integer array, got dtype {idx.dtype}")
    w = _tensor(weight, op, "weight")
    if padding_idx is not None:
        p = _int(padding_idx, op, "padding_idx")
        if w.ndim == 2 and not -w.shape[0] <= p < w.shape[0]:
            raise InvalidArgumentError(f"{op}: padding_idx {p} is out of range for {w.shape[0]} embeddings")
    if idx.dtype.kind == "u" and idx.size and idx.max() > np.iinfo(np.int64).max:
        raise InvalidArgumentError(f"{op}: index {idx.max()} is out of range")
    return _core.embedding(np.asarray(idx, dtype=np.int64, order="C"), w)


def _operand(v, op, name):
    if isinstance(v, numbers.Real) and not isinstance(v, (bool, np.ndarray)):
        return np.array(v, dtype=np.float32)
    return _tensor(v, op, name)


def _binary(a, b, op):
    return _core.binary(_operand(a, op, "first operand"), _operand(b, op, "second operand"), op)


def add(input, other):
    """Elementwise input + other with NumPy broadcasting."""
    return _binary(input, other, "add")


def sub(input, other):
    return _binary(input, other, "sub")


def mul(input, other):
    return _binary(input, other, "mul")


def div(input, other):
    return _binary(input, other, "div")


def maximum(input, other):
    return _binary(input, other, "max")


def minimum(input, other):
    return _binary(input, other, "min")


def concat(tensors, dim=0):
    """Joins arrays along ``dim`` (torch.cat); all other dims must match."""
    if isinstance(tensors, np.ndarray) or not isinstance(tensors, (list, tuple)):
        raise TypeError("concat: tensors must be a list or tuple of arrays")
    return _core.concat([_tensor(t, "concat", f"tensors[{i}]") for i, t in enumerate(tensors)], _int(dim, "concat", "dim"))


cat = concat


def flatten(input, start_dim=0, end_dim=-1):
    """Merges dims start_dim..end_dim (torch.flatten). Returns a view."""
    x = _tensor(input, "flatten")
    return x.reshape(_core.flatten_shape(list(x.shape), _int(start_dim, "flatten", "start_dim"),
                                         _int(end_dim, "flatten", "end_dim")))


def reshape(input, shape):
    """Reshape with at most one -1 inferred. Returns a view."""
    x = _tensor(input, "reshape")
    if isinstance(shape, numbers.Integral):
        shape = (shape,)
    spec = [_int(d, "reshape", "shape") for d in shape]
    return x.reshape(_core.reshape_shape(list(x.shape), spec, False))
