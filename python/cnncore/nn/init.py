"""Parameter initialisation (PyTorch's defaults) from one seedable generator."""
import math

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed):
    """Seeds the generator every layer's initialisation draws from."""
    global _generator
    _generator = np.random.default_rng(seed)


def generator():
    return _generator


def uniform(shape, bound):
    return _generator.uniform(-bound, bound, size=shape).astype(np.float32)


def normal(shape, std=1.0):
    return (_generator.standard_normal(size=shape) * std).astype(np.float32)


def fan_in(weight_shape):
    """PyTorch's fan-in: weight.shape[1] times the kernel's receptive field."""
    receptive = 1
    for d in weight_shape[2:]:
        receptive *= d
    return weight_shape[1] * receptive


def kaiming_uniform_default(shape):
    """PyTorch's default for conv and linear weights: kaiming_uniform_(a=sqrt(5)) = U(-1/sqrt(fan_in), ...)."""
    return uniform(shape, 1.0 / math.sqrt(max(fan_in(shape), 1)))


def bias_default(n, weight_shape):
    return uniform((n,), 1.0 / math.sqrt(max(fan_in(weight_shape), 1)))
