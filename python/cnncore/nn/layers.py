"""Layers with PyTorch's constructor signatures, parameter names and default initialisation."""
import numbers

import numpy as np

from .. import functional as F
from ..errors import InvalidArgumentError, UnsupportedError
from . import init
from .module import Module


def _tuple(v, n, name, cls):
    if isinstance(v, (list, tuple)):
        if len(v) != n:
            raise InvalidArgumentError(f"{cls}: {name} must be an int or {n} ints, got {tuple(v)!r}")
        return tuple(int(e) for e in v)
    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
        raise TypeError(f"{cls}: {name} must be an int or a tuple of ints, got {v!r}")
    return (int(v),) * n


def _positive(v, name, cls):
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
        raise InvalidArgumentError(f"{cls}: {name} must be a positive int, got {v!r}")
    return int(v)


class _ConvNd(Module):
    _dims = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros"):
        super().__init__()
        cls = type(self).__name__
        n = self._dims
        self.in_channels = _positive(in_channels, "in_channels", cls)
        self.out_channels = _positive(out_channels, "out_channels", cls)
        self.groups = _positive(groups, "groups", cls)
        if self.in_channels % self.groups or self.out_channels % self.groups:
            raise InvalidArgumentError(f"{cls}: groups={groups} must divide in_channels={in_channels} and "
                                       f"out_channels={out_channels}")
        if padding_mode != "zeros":
            raise UnsupportedError(f"{cls}: padding_mode={padding_mode!r} is not supported (only 'zeros')")
        self.kernel_size = _tuple(kernel_size, n, "kernel_size", cls)
        self.stride = _tuple(stride, n, "stride", cls)
        self.dilation = _tuple(dilation, n, "dilation", cls)
        self.padding = padding if isinstance(padding, str) else (
            tuple(padding) if isinstance(padding, (list, tuple)) and len(padding) == 2 * n else _tuple(padding, n, "padding", cls))
        if isinstance(padding, str) and padding not in ("same", "valid"):
            raise InvalidArgumentError(f"{cls}: padding must be 'same', 'valid' or ints, got {padding!r}")
        shape = (self.out_channels, self.in_channels // self.groups) + self.kernel_size
        self.register_parameter("weight", init.kaiming_uniform_default(shape))
        self.register_parameter("bias", init.bias_default(self.out_channels, shape) if bias else None)

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self._dims:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._dims:
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


class Conv2d(_ConvNd):
    _dims = 2

    def forward(self, x):
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class Conv1d(_ConvNd):
    _dims = 1

    def forward(self, x):
        return F.conv1d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class ConvTranspose2d(Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros"):
        super().__init__()
        cls = "ConvTranspose2d"
        self.in_channels = _positive(in_channels, "in_channels", cls)
        self.out_channels = _positive(out_channels, "out_channels", cls)
        self.groups = _positive(groups, "groups", cls)
        if self.in_channels % self.groups or self.out_channels % self.groups:
            raise InvalidArgumentError(f"{cls}: groups={groups} must divide in_channels and out_channels")
        if padding_mode != "zeros":
            raise UnsupportedError(f"{cls}: padding_mode={padding_mode!r} is not supported")
        self.kernel_size = _tuple(kernel_size, 2, "kernel_size", cls)
        self.stride = _tuple(stride, 2, "stride", cls)
        self.padding = _tuple(padding, 2, "padding", cls)
        self.output_padding = _tuple(output_padding, 2, "output_padding", cls)
        self.dilation = _tuple(dilation, 2, "dilation", cls)
        shape = (self.in_channels, self.out_channels // self.groups) + self.kernel_size
        self.register_parameter("weight", init.kaiming_uniform_default(shape))
        self.register_parameter("bias", init.bias_default(self.out_channels, shape) if bias else None)

    def forward(self, x):
        return F.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding, self.output_padding, self.groups,
                                  self.dilation)

    def extra_repr(self):
        return f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"


class Linear(Module):
    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.in_features = _positive(in_features, "in_features", "Linear")
        self.out_features = _positive(out_features, "out_features", "Linear")
        shape = (self.out_features, self.in_features)
        self.register_parameter("weight", init.kaiming_uniform_default(shape))
        self.register_parameter("bias", init.bias_default(self.out_features, shape) if bias else None)

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


# ----------------------------------------------------------------------------- pooling

class MaxPool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        if return_indices:
            raise UnsupportedError("MaxPool2d: return_indices=True is not supported")
        self.kernel_size, self.stride, self.padding = kernel_size, stride if stride is not None else kernel_size, padding
        self.dilation, self.ceil_mode = dilation, ceil_mode

    def forward(self, x):
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride if stride is not None else kernel_size, padding
        self.ceil_mode, self.count_include_pad, self.divisor_override = ceil_mode, count_include_pad, divisor_override

    def forward(self, x):
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad,
                            self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool1d(Module):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        if return_indices:
            raise UnsupportedError("MaxPool1d: return_indices=True is not supported")
        self.kernel_size, self.stride, self.padding = kernel_size, stride if stride is not None else kernel_size, padding
        self.dilation, self.ceil_mode = dilation, ceil_mode

    def forward(self, x):
        return F.max_pool1d(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode)


class AvgPool1d(Module):
    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride if stride is not None else kernel_size, padding
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, x):
        return F.avg_pool1d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)


class _Adaptive(Module):
    _fn = None

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, x):
        return type(self)._fn(x, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool2d(_Adaptive):
    _fn = staticmethod(F.adaptive_avg_pool2d)


class AdaptiveMaxPool2d(_Adaptive):
    _fn = staticmethod(F.adaptive_max_pool2d)


class AdaptiveAvgPool1d(_Adaptive):
    _fn = staticmethod(F.adaptive_avg_pool1d)


class AdaptiveMaxPool1d(_Adaptive):
    _fn = staticmethod(F.adaptive_max_pool1d)


# ----------------------------------------------------------------------------- activations

class ReLU(Module):
    def __init__(self, inplace=False):
        super().__init__()

    def forward(self, x):
        return F.relu(x)


class ReLU6(Module):
    def __init__(self, inplace=False):
        super().__init__()

    def forward(self, x):
        return F.relu6(x)


class LeakyReLU(Module):
    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class PReLU(Module):
    def __init__(self, num_parameters=1, init=0.25):
        super().__init__()
        self.num_parameters = _positive(num_parameters, "num_parameters", "PReLU")
        self.register_parameter("weight", np.full(self.num_parameters, init, np.float32))

    def forward(self, x):
        return F.prelu(x, self.weight)


class ELU(Module):
    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha

    def forward(self, x):
        return F.elu(x, self.alpha)


class SELU(Module):
    def __init__(self, inplace=False):
        super().__init__()

    def forward(self, x):
        return F.selu(x)


class Hardtanh(Module):
    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__()
        self.min_val, self.max_val = min_val, max_val

    def forward(self, x):
        return F.hardtanh(x, self.min_val, self.max_val)


class _Simple(Module):
    _fn = None

    def __init__(self, inplace=False):
        super().__init__()

    def forward(self, x):
        return type(self)._fn(x)


class Sigmoid(_Simple):
    _fn = staticmethod(F.sigmoid)


class Tanh(_Simple):
    _fn = staticmethod(F.tanh)


class SiLU(_Simple):
    _fn = staticmethod(F.silu)


class Hardswish(_Simple):
    _fn = staticmethod(F.hardswish)


class Hardsigmoid(_Simple):
    _fn = staticmethod(F.hardsigmoid)


class GELU(Module):
    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, x):
        return F.gelu(x, self.approximate)


class Softplus(Module):
    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        return F.softplus(x, self.beta, self.threshold)


class Softmax(Module):
    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return F.softmax(x, self.dim)


class LogSoftmax(Module):
    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return F.log_softmax(x, self.dim)


# ----------------------------------------------------------------------------- normalisation and misc

class _BatchNorm(Module):
    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True):
        super().__init__()
        cls = type(self).__name__
        self.num_features = _positive(num_features, "num_features", cls)
        if not track_running_stats:
            raise UnsupportedError(f"{cls}: track_running_stats=False needs batch statistics (training mode)")
        self.eps, self.momentum, self.affine = float(eps), momentum, affine
        n = self.num_features
        self.register_parameter("weight", np.ones(n, np.float32) if affine else None)
        self.register_parameter("bias", np.zeros(n, np.float32) if affine else None)
        self.register_buffer("running_mean", np.zeros(n, np.float32))
        self.register_buffer("running_var", np.ones(n, np.float32))
        self.register_buffer("num_batches_tracked", np.array(0, np.int64), dtype=np.int64)

    def forward(self, x):
        return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, eps=self.eps)

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps}, affine={self.affine}"


class BatchNorm2d(_BatchNorm):
    pass


class BatchNorm1d(_BatchNorm):
    pass


class LocalResponseNorm(Module):
    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, x):
        return F.local_response_norm(x, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class Dropout(Module):
    """Identity at inference (cnncore runs inference only)."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise InvalidArgumentError(f"Dropout: p must be in [0, 1], got {p}")
        self.p = p

    def forward(self, x):
        return F.dropout(x, self.p)

    def extra_repr(self):
        return f"p={self.p}"


class Flatten(Module):
    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return F.flatten(x, self.start_dim, self.end_dim)


class Identity(Module):
    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x


class Embedding(Module):
    """Token ids -> vectors. Model inputs carry the ids as float32 (exact below 2**24)."""

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None):
        super().__init__()
        self.num_embeddings = _positive(num_embeddings, "num_embeddings", "Embedding")
        self.embedding_dim = _positive(embedding_dim, "embedding_dim", "Embedding")
        w = init.normal((self.num_embeddings, self.embedding_dim))
        if padding_idx is not None:
            if not -self.num_embeddings <= padding_idx < self.num_embeddings:
                raise InvalidArgumentError(f"Embedding: padding_idx {padding_idx} out of range")
            w[padding_idx] = 0.0
        self.padding_idx = padding_idx
        self.register_parameter("weight", w)

    def forward(self, x):
        return F.embedding(x, self.weight)

    def extra_repr(self):
        return f"{self.num_embeddings}, {self.embedding_dim}"
