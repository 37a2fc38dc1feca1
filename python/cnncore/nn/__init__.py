"""Layers and containers with PyTorch's names, signatures and state_dict keys.

    from cnncore import nn
    model = nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(6*14*14, 10))
    model.summary((1, 32, 32))
    y = model(x)                      # traced once into the C++ graph, compiled per input shape

Non-sequential nets: subclass Module and write forward() with these layers, ``+`` and
``cnncore.functional`` ops (traced into the graph), or use Residual / Concat blocks.
"""
from . import init
from .containers import Concat, ModuleList, Residual, Sequential
from .init import manual_seed
from .layers import (ELU, GELU, SELU, AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool1d, AdaptiveMaxPool2d,
                     AvgPool1d, AvgPool2d, BatchNorm1d, BatchNorm2d, Conv1d, Conv2d, ConvTranspose2d, Dropout,
                     Embedding, Flatten, Hardsigmoid, Hardswish, Hardtanh, Identity, LeakyReLU, Linear,
                     LocalResponseNorm, LogSoftmax, MaxPool1d, MaxPool2d, PReLU, ReLU, ReLU6, Sigmoid, SiLU, Softmax,
                     Softplus, Tanh)
from .module import Module

__all__ = [
    "Module", "Sequential", "ModuleList", "Residual", "Concat", "init", "manual_seed",
    "Conv2d", "Conv1d", "ConvTranspose2d", "Linear", "MaxPool2d", "AvgPool2d", "MaxPool1d", "AvgPool1d",
    "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "AdaptiveAvgPool1d", "AdaptiveMaxPool1d", "ReLU", "ReLU6", "LeakyReLU",
    "PReLU", "ELU", "SELU", "Sigmoid", "Tanh", "SiLU", "Hardtanh", "Hardswish", "Hardsigmoid", "GELU", "Softplus",
    "Softmax", "LogSoftmax", "BatchNorm2d", "BatchNorm1d", "LocalResponseNorm", "Dropout", "Flatten", "Identity",
    "Embedding",
]
