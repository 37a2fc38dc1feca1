"""Independent NumPy float64 oracle for every cnncore op.

Shares no code with csrc/: convolution and pooling are written as padding + strided slicing
(not the C++ loop structure), following ONNX / PyTorch semantics: auto_pad, asymmetric pads,
ceil_mode (last window must start inside the input or leading padding), count_include_pad,
divisor_override, dilation, groups. Every function takes float32/float64 arrays and returns float64.
"""
import math

import numpy as np

NEG_INF = -np.inf


def _f64(a):
    return np.asarray(a, dtype=np.float64)


# ----------------------------------------------------------------------------- shape rules

def same_pads(size, kernel, stride, dilation, lower=False):
    """ONNX SAME_UPPER / SAME_LOWER: output = ceil(size / stride)."""
    out = -(-size // stride)
    total = max(0, (out - 1) * stride + dilation * (kernel - 1) + 1 - size)
    small, big = total // 2, total - total // 2
    return (big, small) if lower else (small, big)


def out_size(size, kernel, stride, pad_begin, pad_end, dilation=1, ceil_mode=False):
    extent = dilation * (kernel - 1) + 1
    span = size + pad_begin + pad_end - extent
    if span < 0:
        return 0
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + pad_begin:
        out -= 1
    return out


def resolve_pads(padding, x_shape, kernel, stride, dilation):
    """padding: 'same' | 'valid' | (top, left, bottom, right) -> (top, left, bottom, right)."""
    if padding == "valid":
        return (0, 0, 0, 0)
    if padding == "same":
        pt, pb = same_pads(x_shape[-2], kernel[0], stride[0], dilation[0])
        pl, pr = same_pads(x_shape[-1], kernel[1], stride[1], dilation[1])
        return (pt, pl, pb, pr)
    return tuple(padding)


# ----------------------------------------------------------------------------- convolution

def conv2d(x, w, b=None, stride=(1, 1), pads=(0, 0, 0, 0), dilation=(1, 1), groups=1):
    x, w = _f64(x), _f64(w)
    N, C, H, W = x.shape
    K, Cg, kh, kw = w.shape
    sh, sw = stride
    dh, dw = dilation
    pt, pl, pb, pr = resolve_pads(pads, x.shape, (kh, kw), stride, dilation)
    xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    OH = out_size(H, kh, sh, pt, pb, dh)
    OW = out_size(W, kw, sw, pl, pr, dw)
    y = np.zeros((N, K, OH, OW))
    Kg = K // groups
    for g in range(groups):
        xs = xp[:, g * Cg:(g + 1) * Cg]
        for ky in range(kh):
            for kx in range(kw):
                patch = xs[:, :, ky * dh: ky * dh + (OH - 1) * sh + 1: sh, kx * dw: kx * dw + (OW - 1) * sw + 1: sw]
                y[:, g * Kg:(g + 1) * Kg] += np.einsum("nchw,kc->nkhw", patch, w[g * Kg:(g + 1) * Kg, :, ky, kx])
    if b is not None:
        y += _f64(b)[None, :, None, None]
    return y


def conv1d(x, w, b=None, stride=1, pads=(0, 0), dilation=1, groups=1):
    if isinstance(pads, str):
        p2 = pads
    else:
        p2 = (0, pads[0], 0, pads[1])
    y = conv2d(_f64(x)[:, :, None, :], _f64(w)[:, :, None, :], b, (1, stride), p2, (1, dilation), groups)
    return y[:, :, 0, :]


def conv_transpose2d(x, w, b=None, stride=(1, 1), pads=(0, 0, 0, 0), output_padding=(0, 0), dilation=(1, 1),
                     groups=1):
    x, w = _f64(x), _f64(w)
    N, C, H, W = x.shape
    _, Kg, kh, kw = w.shape
    sh, sw = stride
    dh, dw = dilation
    pt, pl, pb, pr = pads
    full_h = (H - 1) * sh + dh * (kh - 1) + 1 + output_padding[0]
    full_w = (W - 1) * sw + dw * (kw - 1) + 1 + output_padding[1]
    full = np.zeros((N, Kg * groups, full_h, full_w))
    Cg = C // groups
    for g in range(groups):
        xs = x[:, g * Cg:(g + 1) * Cg]
        for ky in range(kh):
            for kx in range(kw):
                full[:, g * Kg:(g + 1) * Kg, ky * dh: ky * dh + (H - 1) * sh + 1: sh,
                     kx * dw: kx * dw + (W - 1) * sw + 1: sw] += np.einsum("nchw,ck->nkhw", xs,
                                                                           w[g * Cg:(g + 1) * Cg, :, ky, kx])
    y = full[:, :, pt: full_h - pb, pl: full_w - pr]
    if b is not None:
        y = y + _f64(b)[None, :, None, None]
    return y


# ----------------------------------------------------------------------------- pooling

def _windows(x, kernel, stride, pads, dilation, ceil_mode, fill):
    """Pads x with `fill` (enough for ceil mode) and returns the strided window stack
    [N, C, OH, OW, kh*kw] plus (OH, OW)."""
    N, C, H, W = x.shape
    kh, kw = kernel
    sh, sw = stride
    dh, dw = dilation
    pt, pl, pb, pr = pads
    OH = out_size(H, kh, sh, pt, pb, dh, ceil_mode)
    OW = out_size(W, kw, sw, pl, pr, dw, ceil_mode)
    need_h = (OH - 1) * sh + dh * (kh - 1) + 1
    need_w = (OW - 1) * sw + dw * (kw - 1) + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pt, max(pb, need_h - H - pt)), (pl, max(pr, need_w - W - pl))),
                constant_values=fill)
    stack = []
    for ky in range(kh):
        for kx in range(kw):
            stack.append(xp[:, :, ky * dh: ky * dh + (OH - 1) * sh + 1: sh, kx * dw: kx * dw + (OW - 1) * sw + 1: sw])
    return np.stack(stack, axis=-1), OH, OW


def max_pool2d(x, kernel, stride=None, pads=(0, 0, 0, 0), dilation=(1, 1), ceil_mode=False):
    x = _f64(x)
    stride = stride or kernel
    pads = resolve_pads(pads, x.shape, kernel, stride, dilation)
    win, _, _ = _windows(x, kernel, stride, pads, dilation, ceil_mode, NEG_INF)
    return win.max(axis=-1)  # np.max propagates NaN


def avg_pool2d(x, kernel, stride=None, pads=(0, 0, 0, 0), ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """PyTorch divisor: window clipped to the padded input (count_include_pad) or to the input."""
    x = _f64(x)
    stride = stride or kernel
    pads = resolve_pads(pads, x.shape, kernel, stride, (1, 1))
    H, W = x.shape[2:]
    kh, kw = kernel
    sh, sw = stride
    pt, pl, pb, pr = pads
    win, OH, OW = _windows(x, kernel, stride, pads, (1, 1), ceil_mode, 0.0)
    sums = win.sum(axis=-1)
    if divisor_override:
        return sums / divisor_override

    def counts(n_out, size, k, s, p0, p1, include_pad):
        c = np.empty(n_out)
        for i in range(n_out):
            a = i * s - p0
            e = min(a + k, size + p1)
            if not include_pad:
                a, e = max(a, 0), min(e, size)
            c[i] = e - a
        return c

    ch = counts(OH, H, kh, sh, pt, pb, count_include_pad)
    cw = counts(OW, W, kw, sw, pl, pr, count_include_pad)
    return sums / (ch[:, None] * cw[None, :])


def _adaptive_bounds(size, out):
    return [(i * size // out, -(-(i + 1) * size // out)) for i in range(out)]


def adaptive_pool2d(x, out_hw, reduce):
    x = _f64(x)
    N, C, H, W = x.shape
    OH, OW = out_hw
    y = np.empty((N, C, OH, OW))
    for i, (a, e) in enumerate(_adaptive_bounds(H, OH)):
        for j, (c, d) in enumerate(_adaptive_bounds(W, OW)):
            y[:, :, i, j] = reduce(x[:, :, a:e, c:d], axis=(2, 3))
    return y


def adaptive_avg_pool2d(x, out_hw):
    return adaptive_pool2d(x, out_hw, np.mean)


def adaptive_max_pool2d(x, out_hw):
    return adaptive_pool2d(x, out_hw, np.max)


# ----------------------------------------------------------------------------- dense, activations, norms

def linear(x, w, b=None):
    y = _f64(x) @ _f64(w).T
    return y + _f64(b) if b is not None else y


_erf = np.vectorize(math.erf, otypes=[np.float64])


def activation(name, x, **kw):
    x = _f64(x)
    if name == "relu":
        return np.where(x < 0, 0.0, x)
    if name == "relu6":
        return np.clip(x, 0.0, 6.0)
    if name == "leaky_relu":
        return np.where(x < 0, kw.get("negative_slope", 0.01) * x, x)
    if name == "elu":
        a = kw.get("alpha", 1.0)
        return np.where(x > 0, x, a * np.expm1(x))
    if name == "selu":
        a, s = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
        return s * np.where(x > 0, x, a * np.expm1(x))
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-x))
    if name == "tanh":
        return np.tanh(x)
    if name == "hardtanh":
        return np.clip(x, kw.get("min_val", -1.0), kw.get("max_val", 1.0))
    if name == "hardswish":
        return x * np.clip(x + 3.0, 0.0, 6.0) / 6.0
    if name == "hardsigmoid":
        return np.clip(x + 3.0, 0.0, 6.0) / 6.0
    if name == "silu":
        return x / (1.0 + np.exp(-x))
    if name == "gelu":
        if kw.get("approximate", "none") == "tanh":
            return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))
        return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))
    if name == "softplus":
        beta, thr = kw.get("beta", 1.0), kw.get("threshold", 20.0)
        return np.where(x * beta > thr, x, np.log1p(np.exp(beta * x)) / beta)
    raise KeyError(name)


def prelu(x, w):
    x, w = _f64(x), _f64(w).reshape(-1)
    if w.size > 1:
        w = w.reshape((1, -1) + (1,) * (x.ndim - 2))
    return np.where(x < 0, w * x, x)


def softmax(x, dim):
    x = _f64(x)
    e = np.exp(x - x.max(axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)


def log_softmax(x, dim):
    x = _f64(x)
    m = x.max(axis=dim, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=dim, keepdims=True))


def batch_norm(x, mean, var, weight=None, bias=None, eps=1e-5):
    x = _f64(x)
    shape = (1, -1) + (1,) * (x.ndim - 2)
    y = (x - _f64(mean).reshape(shape)) / np.sqrt(_f64(var).reshape(shape) + eps)
    if weight is not None:
        y = y * _f64(weight).reshape(shape)
    if bias is not None:
        y = y + _f64(bias).reshape(shape)
    return y


def local_response_norm(x, size, alpha=1e-4, beta=0.75, k=1.0, pre=None):
    """Window of channels [c - pre, c - pre + size), pre = size // 2 (PyTorch) by default."""
    x = _f64(x)
    pre = size // 2 if pre is None else pre
    C = x.shape[1]
    sq = x * x
    y = np.empty_like(x)
    for c in range(C):
        lo, hi = max(0, c - pre), min(C, c - pre + size)
        s = sq[:, lo:hi].sum(axis=1)
        y[:, c] = x[:, c] / (k + alpha / size * s) ** beta
    return y


def binary(a, b, op):
    a, b = _f64(a), _f64(b)
    return {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide,
            "max": np.maximum, "min": np.minimum}[op](a, b)


def embedding(idx, w):
    return _f64(w)[np.asarray(idx)]
