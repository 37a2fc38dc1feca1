"""Containers: Sequential and ModuleList, plus blocks for non-sequential nets (Residual, Concat)."""
from collections import OrderedDict

from .. import functional as F
from .module import Module


class Sequential(Module):
    """Runs its children in order. Sequential(m1, m2, ...) or Sequential(OrderedDict(name=m))."""

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, m in modules[0].items():
                self.add_module(name, m)
        else:
            for i, m in enumerate(modules):
                self.add_module(str(i), m)

    def forward(self, x):
        for m in self._modules.values():
            x = m(x)
        return x

    def __getitem__(self, i):
        mods = list(self._modules.values())
        if isinstance(i, slice):
            return Sequential(*mods[i])
        return mods[i]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self


class ModuleList(Module):
    def __init__(self, modules=()):
        super().__init__()
        for m in modules:
            self.append(m)

    def append(self, module):
        self.add_module(str(len(self._modules)), module)
        return self

    def __getitem__(self, i):
        return list(self._modules.values())[i]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())


class Residual(Module):
    """y = body(x) + shortcut(x) (shortcut defaults to the identity), then an optional activation:
    the ResNet block as one line, e.g. Residual(Sequential(conv, bn, relu, conv, bn), activation=ReLU())."""

    def __init__(self, body, shortcut=None, activation=None):
        super().__init__()
        self.body = body
        self.shortcut = shortcut
        self.activation = activation

    def forward(self, x):
        y = self.body(x) + (self.shortcut(x) if self.shortcut is not None else x)
        return self.activation(y) if self.activation is not None else y


class Concat(Module):
    """Runs every branch on the same input and concatenates the results along dim (Inception)."""

    def __init__(self, *branches, dim=1):
        super().__init__()
        for i, b in enumerate(branches):
            self.add_module(str(i), b)
        self.dim = dim

    def forward(self, x):
        return F.concat([b(x) for b in self._modules.values()], self.dim)
