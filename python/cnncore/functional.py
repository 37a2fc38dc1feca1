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
from ._trace import Symbol, is_symbolic, record
from .errors import InvalidArgumentError, UnsupportedError

__all__ = [
    "conv2d", "conv1d", "conv_transpose2d",
    "max_pool2d", "avg_pool2d", "max_pool1d", "avg_pool1d",
    "adaptive_avg_pool2d", "adaptive_max_pool2d", "adaptive_avg_pool1d", "adaptive_max_pool1d",
    "global_avg_pool2d", "global_max_pool2d",
    "linear", "relu", "relu6", "leaky_relu", "prelu", "elu", "selu", "sigmoid", "tanh", "hardtanh",
    "clamp", "clip", "hardswish", "hardsigmoid", "silu", "gelu", "softplus", "softmax", "log_softmax",
    "batch_norm", "local_response_norm", "dropout", "embedding",
    "add", "sub", "mul", "div", "maximum", "minimum", "concat", "cat", "flatten", "reshape", "permute", "transpose",
]

_GRAPH_PAD_MODE = {"explicit": "explicit", "same": "same_upper", "valid": "valid"}


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
    pads, mode = _pads2d(padding, op)
    stride, dilation, groups = _ints(stride, 2, op, "stride"), _ints(dilation, 2, op, "dilation"), _int(groups, op, "groups")
    if is_symbolic(input):
        return record(op, [input, weight, bias], stride=stride, pads=pads, pad_mode=_GRAPH_PAD_MODE[mode],
                      dilation=dilation, groups=groups)
    x, unb = _batched(_tensor(input, op), op, 4)
    y = _core.conv2d(x, _tensor(weight, op, "weight"), _opt_tensor(bias, op, "bias"), stride, pads, mode, dilation,
                     groups)
    return _unbatch(y, unb)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution (e.g. over word embeddings). input [N, C, L] (or [C, L]), weight [K, C/groups, k]."""
    op = "conv1d"
    pads, mode = _pads1d(padding, op)
    stride, dilation = _ints(stride, 1, op, "stride")[0], _ints(dilation, 1, op, "dilation")[0]
    groups = _int(groups, op, "groups")
    if is_symbolic(input):
        return record(op, [input, weight, bias], stride=[stride], pads=pads, pad_mode=_GRAPH_PAD_MODE[mode],
                      dilation=[dilation], groups=groups)
    x, unb = _batched(_tensor(input, op), op, 3)
    y = _core.conv1d(x, _tensor(weight, op, "weight"), _opt_tensor(bias, op, "bias"), stride, pads, mode, dilation,
                     groups)
    return _unbatch(y, unb)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 2-D convolution (PyTorch argument order: groups before dilation).

    input [N, C, H, W], weight [C, K/groups, kH, kW]; output height
    ``(H - 1)*stride - pad_top - pad_bottom + dilation*(kH - 1) + output_padding + 1``.
    """
    op = "conv_transpose2d"
    if isinstance(padding, str):
        raise InvalidArgumentError(f"{op}: padding must be an int, a pair or a 4-tuple, got {padding!r}")
    pads, _ = _pads2d(padding, op)
    stride, output_padding = _ints(stride, 2, op, "stride"), _ints(output_padding, 2, op, "output_padding")
    dilation, groups = _ints(dilation, 2, op, "dilation"), _int(groups, op, "groups")
    if is_symbolic(input):
        return record(op, [input, weight, bias], stride=stride, pads=pads, output_padding=output_padding,
                      dilation=dilation, groups=groups)
    x, unb = _batched(_tensor(input, op), op, 4)
    y = _core.conv_transpose2d(x, _tensor(weight, op, "weight"), _opt_tensor(bias, op, "bias"), stride, pads,
                               output_padding, dilation, groups)
    return _unbatch(y, unb)


# ----------------------------------------------------------------------------- pooling

def _no_indices(return_indices, op):
    if return_indices:
        raise UnsupportedError(f"{op}: return_indices=True is not supported (inference only)")


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """2-D max pooling; padding never wins (implicit -inf). stride defaults to kernel_size."""
    op = "max_pool2d"
    _no_indices(return_indices, op)
    k = _ints(kernel_size, 2, op, "kernel_size")
    s = k if stride is None or stride == () or stride == [] else _ints(stride, 2, op, "stride")
    pads, mode = _pads2d(padding, op)
    d = _ints(dilation, 2, op, "dilation")
    if is_symbolic(input):
        return record(op, [input], kernel=k, stride=s, pads=pads, pad_mode=_GRAPH_PAD_MODE[mode], dilation=d,
                      ceil_mode=int(bool(ceil_mode)))
    x, unb = _batched(_tensor(input, op), op, 4)
    y = _core.pool2d("max", x, k, s, pads, mode, d, bool(ceil_mode), True, 0)
    return _unbatch(y, unb)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """2-D average pooling with PyTorch's divisor rules (count_include_pad, ceil_mode, divisor_override)."""
    op = "avg_pool2d"
    k = _ints(kernel_size, 2, op, "kernel_size")
    s = k if stride is None or stride == () or stride == [] else _ints(stride, 2, op, "stride")
    pads, mode = _pads2d(padding, op)
    div = 0
    if divisor_override is not None:
        div = _int(divisor_override, op, "divisor_override")
        if div <= 0:
            raise InvalidArgumentError(f"{op}: divisor_override must be > 0, got {div}")
    if is_symbolic(input):
        return record(op, [input], kernel=k, stride=s, pads=pads, pad_mode=_GRAPH_PAD_MODE[mode],
                      ceil_mode=int(bool(ceil_mode)), count_include_pad=int(bool(count_include_pad)),
                      divisor_override=div)
    x, unb = _batched(_tensor(input, op), op, 4)
    y = _core.pool2d("avg", x, k, s, pads, mode, (1, 1), bool(ceil_mode), bool(count_include_pad), div)
    return _unbatch(y, unb)


def _pool1d_args(input, kernel_size, stride, padding, op):
    """-> batched input (or the Symbol), was_unbatched, kernel, stride (default: kernel), (0, left, 0, right) pads,
    mode."""
    x, unb = (input, False) if is_symbolic(input) else _batched(_tensor(input, op), op, 3)
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
    if is_symbolic(x):
        return record(op, [x], kernel=[k], stride=[s], pads=[pads[1], pads[3]], pad_mode=_GRAPH_PAD_MODE[mode],
                      dilation=[d], ceil_mode=int(bool(ceil_mode)))
    y = _core.pool2d("max1d", x, (1, k), (1, s), pads, mode, (1, d), bool(ceil_mode), True, 0)
    return _unbatch(y, unb)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """1-D average pooling over [N, C, L]."""
    op = "avg_pool1d"
    x, unb, k, s, pads, mode = _pool1d_args(input, kernel_size, stride, padding, op)
    if is_symbolic(x):
        return record(op, [x], kernel=[k], stride=[s], pads=[pads[1], pads[3]], pad_mode=_GRAPH_PAD_MODE[mode],
                      ceil_mode=int(bool(ceil_mode)), count_include_pad=int(bool(count_include_pad)))
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
    if is_symbolic(x):  # -1: keep the input size
        return [-1 if s is None else _int(s, op, "output_size") for s in sizes]
    return [x.shape[x.ndim - n + i] if s is None else _int(s, op, "output_size") for i, s in enumerate(sizes)]


def _adaptive(kind, input, output_size, n, op):
    if is_symbolic(input):
        return record(op, [input], output_size=_adaptive_size(output_size, input, n, op))
    x, unb = _batched(_tensor(input, op), op, n + 2)
    return _unbatch(_core.adaptive_pool(kind, x, _adaptive_size(output_size, x, n, op)), unb)


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed output size; window i covers [floor(i*H/OH), ceil((i+1)*H/OH))."""
    return _adaptive("avg", input, output_size, 2, "adaptive_avg_pool2d")


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling to a fixed output size."""
    _no_indices(return_indices, "adaptive_max_pool2d")
    return _adaptive("max", input, output_size, 2, "adaptive_max_pool2d")


def adaptive_avg_pool1d(input, output_size):
    return _adaptive("avg", input, output_size, 1, "adaptive_avg_pool1d")


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """``adaptive_max_pool1d(x, 1)`` is max-over-time pooling for text CNNs."""
    _no_indices(return_indices, "adaptive_max_pool1d")
    return _adaptive("max", input, output_size, 1, "adaptive_max_pool1d")


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
    if is_symbolic(input):
        return record(op, [input, weight, bias])
    return _core.linear(_tensor(input, op), _tensor(weight, op, "weight"), _opt_tensor(bias, op, "bias"))


def _act(input, op, kind, alpha=0.0, beta=0.0, inplace=False, graph=None):
    """Eager: the eltwise kernel `kind` with (alpha, beta). Traced: graph node graph=(op, attrs)."""
    if is_symbolic(input):
        gop, attrs = graph or (kind, {})
        return record(gop, [input], **attrs)
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
    return _act(input, "relu6", "clip", 0.0, 6.0, inplace, ("clip", {"min": 0.0, "max": 6.0}))


def leaky_relu(input, negative_slope=0.01, inplace=False):
    a = _float(negative_slope, "leaky_relu", "negative_slope")
    return _act(input, "leaky_relu", "leaky_relu", a, 0.0, inplace, ("leaky_relu", {"alpha": a}))


def prelu(input, weight):
    """x < 0 ? weight[c]*x : x, with weight of 1 element or one per channel (dim 1)."""
    op = "prelu"
    if is_symbolic(input):
        return record(op, [input, weight])
    return _core.prelu(_tensor(input, op), _tensor(weight, op, "weight"))


def elu(input, alpha=1.0, inplace=False):
    a = _float(alpha, "elu", "alpha")
    return _act(input, "elu", "elu", a, 1.0, inplace, ("elu", {"alpha": a, "scale": 1.0}))


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):
    return _act(input, "selu", "elu", _SELU_ALPHA, _SELU_SCALE, inplace, ("elu", {"alpha": _SELU_ALPHA, "scale": _SELU_SCALE}))


def sigmoid(input):
    return _act(input, "sigmoid", "sigmoid")


def tanh(input):
    return _act(input, "tanh", "tanh")


def silu(input, inplace=False):
    return _act(input, "silu", "silu", inplace=inplace)


def gelu(input, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise InvalidArgumentError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return _act(input, "gelu", "gelu" if approximate == "none" else "gelu_tanh", graph=("gelu", {"approximate": approximate}))


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    op = "hardtanh"
    lo, hi = _float(min_val, op, "min_val"), _float(max_val, op, "max_val")
    if lo > hi:
        raise InvalidArgumentError(f"hardtanh: min_val ({lo}) must be <= max_val ({hi})")
    return _act(input, op, "clip", lo, hi, inplace, ("clip", {"min": lo, "max": hi}))


def clamp(input, min=None, max=None):
    """Clips to [min, max]; either bound may be None; min > max gives max everywhere (torch.clamp)."""
    op = "clamp"
    if min is None and max is None:
        raise InvalidArgumentError("clamp: at least one of min and max must be given")
    lo = -np.inf if min is None else _float(min, op, "min")
    hi = np.inf if max is None else _float(max, op, "max")
    return _act(input, op, "clip", lo, hi, graph=("clip", {"min": lo, "max": hi}))


clip = clamp


def hardswish(input, inplace=False):
    return _act(input, "hardswish", "hardswish", inplace=inplace)


def hardsigmoid(input, inplace=False):
    return _act(input, "hardsigmoid", "hardsigmoid", 1.0 / 6.0, 0.5, inplace,
                ("hardsigmoid", {"alpha": 1.0 / 6.0, "beta": 0.5}))


def softplus(input, beta=1.0, threshold=20.0):
    op = "softplus"
    b, t = _float(beta, op, "beta"), _float(threshold, op, "threshold")
    return _act(input, op, "softplus", b, t, graph=("softplus", {"beta": b, "threshold": t}))


def softmax(input, dim=None):
    """Numerically stable softmax along ``dim`` (required)."""
    if dim is None:
        raise TypeError("softmax: dim is required")
    if is_symbolic(input):
        return record("softmax", [input], axis=_int(dim, "softmax", "dim"))
    return _core.softmax(_tensor(input, "softmax"), _int(dim, "softmax", "dim"), False)


def log_softmax(input, dim=None):
    if dim is None:
        raise TypeError("log_softmax: dim is required")
    if is_symbolic(input):
        return record("log_softmax", [input], axis=_int(dim, "log_softmax", "dim"))
    return _core.softmax(_tensor(input, "log_softmax"), _int(dim, "log_softmax", "dim"), True)


# ----------------------------------------------------------------------------- normalisation, misc

def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Inference batch norm over dim 1: (x - mean) / sqrt(var + eps) * weight + bias."""
    op = "batch_norm"
    if training:
        raise UnsupportedError("batch_norm: training=True is not supported (inference only)")
    if is_symbolic(input):
        return record(op, [input, running_mean, running_var, weight, bias], eps=_float(eps, op, "eps"))
    return _core.batch_norm(_tensor(input, op), _tensor(running_mean, op, "running_mean"),
                            _tensor(running_var, op, "running_var"), _opt_tensor(weight, op, "weight"),
                            _opt_tensor(bias, op, "bias"), _float(eps, op, "eps"))


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Cross-channel LRN (AlexNet): x / (k + alpha/size * sum of x^2 over a window of `size` channels)^beta.

    The window covers channels [c - size//2, c + (size-1)//2], as in PyTorch.
    """
    op = "local_response_norm"
    if is_symbolic(input):
        return record("lrn", [input], size=_int(size, op, "size"), alpha=_float(alpha, op, "alpha"),
                      beta=_float(beta, op, "beta"), k=_float(k, op, "k"))
    return _core.local_response_norm(_tensor(input, op), _int(size, op, "size"), _float(alpha, op, "alpha"),
                                     _float(beta, op, "beta"), _float(k, op, "k"), -1)


def dropout(input, p=0.5, training=False, inplace=False):
    """Identity at inference. training=True raises UnsupportedError."""
    p = _float(p, "dropout", "p")
    if not 0.0 <= p <= 1.0:
        raise InvalidArgumentError(f"dropout: p must be in [0, 1], got {p}")
    if training:
        raise UnsupportedError("dropout: training=True is not supported (inference only)")
    if is_symbolic(input):
        return record("dropout", [input], p=p)
    return input if inplace else _tensor(input, "dropout")


def embedding(input, weight, padding_idx=None, max_norm=None):
    """Rows of weight [V, D] for integer indices -> input.shape + (D,).

    padding_idx only affects training and is accepted for compatibility; max_norm (which
    rewrites the weights) is not supported.
    """
    op = "embedding"
    if max_norm is not None:
        raise UnsupportedError("embedding: max_norm is not supported")
    if is_symbolic(input):
        return record(op, [input, weight])
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
    if is_symbolic(a, b):
        return record(op, [a, b])
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
    if is_symbolic(tensors):
        return record("concat", list(tensors), axis=_int(dim, "concat", "dim"))
    return _core.concat([_tensor(t, "concat", f"tensors[{i}]") for i, t in enumerate(tensors)], _int(dim, "concat", "dim"))


cat = concat


def flatten(input, start_dim=0, end_dim=-1):
    """Merges dims start_dim..end_dim (torch.flatten). Returns a view."""
    if is_symbolic(input):
        return record("flatten", [input], start_dim=_int(start_dim, "flatten", "start_dim"),
                      end_dim=_int(end_dim, "flatten", "end_dim"))
    x = _tensor(input, "flatten")
    return x.reshape(_core.flatten_shape(list(x.shape), _int(start_dim, "flatten", "start_dim"),
                                         _int(end_dim, "flatten", "end_dim")))


def reshape(input, shape):
    """Reshape with at most one -1 inferred. Returns a view."""
    if isinstance(shape, numbers.Integral):
        shape = (shape,)
    spec = [_int(d, "reshape", "shape") for d in shape]
    if is_symbolic(input):
        return record("reshape", [input], shape=spec)
    x = _tensor(input, "reshape")
    return x.reshape(_core.reshape_shape(list(x.shape), spec, False))


def permute(input, dims):
    """Copy with dims reordered: output dim i is input dim dims[i] (torch.permute)."""
    perm = [_int(d, "permute", "dims") for d in dims]
    if is_symbolic(input):
        return record("permute", [input], perm=perm)
    return _core.permute(_tensor(input, "permute"), perm)


def transpose(input, dim0, dim1):
    """Swaps two dims (a copy)."""
    if is_symbolic(input):
        raise TypeError("transpose: the rank is not known while tracing; use permute(x, dims)")
    x = _tensor(input, "transpose")
    perm = list(range(x.ndim))
    d0, d1 = _int(dim0, "transpose", "dim0") % max(x.ndim, 1), _int(dim1, "transpose", "dim1") % max(x.ndim, 1)
    perm[d0], perm[d1] = perm[d1], perm[d0]
    return _core.permute(x, perm)
