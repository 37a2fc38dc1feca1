"""Tracing a Module's forward into a graph.

A :class:`Symbol` stands for a value of the graph being built. ``cnncore.functional`` ops called
with a Symbol record a node instead of computing; module calls set the naming scope, so nodes are
named after the module that made them (``features.0``, ``layer1.0.add``). Arrays passed as
weights are looked up by identity among the model's parameters and buffers, so their graph names
are the state_dict keys; any other array becomes a constant of the graph.
"""
import contextlib
import threading

import numpy as np

_state = threading.local()


def current():
    return getattr(_state, "tracer", None)


class Symbol:
    """A value in a graph being traced (shapes are not known while tracing)."""

    __array_priority__ = 1000  # numpy defers to Symbol's reflected operators

    def __init__(self, tracer, name):
        self._tracer = tracer
        self.name = name

    def __repr__(self):
        return f"Symbol({self.name!r})"

    # arithmetic -> graph nodes
    def __add__(self, o):
        return self._tracer.node("add", [self, o])

    def __radd__(self, o):
        return self._tracer.node("add", [o, self])

    def __sub__(self, o):
        return self._tracer.node("sub", [self, o])

    def __rsub__(self, o):
        return self._tracer.node("sub", [o, self])

    def __mul__(self, o):
        return self._tracer.node("mul", [self, o])

    def __rmul__(self, o):
        return self._tracer.node("mul", [o, self])

    def __truediv__(self, o):
        return self._tracer.node("div", [self, o])

    def __rtruediv__(self, o):
        return self._tracer.node("div", [o, self])

    def flatten(self, start_dim=0, end_dim=-1):
        from . import functional as F
        return F.flatten(self, start_dim, end_dim)

    def reshape(self, *shape):
        from . import functional as F
        return F.reshape(self, shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape)

    view = reshape

    def permute(self, *dims):
        from . import functional as F
        return F.permute(self, dims[0] if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims)

    def transpose(self, dim0, dim1):
        from . import functional as F
        return F.transpose(self, dim0, dim1)

    def relu(self):
        from . import functional as F
        return F.relu(self)

    def size(self, dim=None):
        raise TypeError("shapes are not known while a model is traced: use flatten(x, 1) or reshape with -1 "
                        "instead of x.size()/x.shape")

    @property
    def shape(self):
        self.size()


def is_symbolic(*values):
    for v in values:
        if isinstance(v, Symbol):
            return True
        if isinstance(v, (list, tuple)) and any(isinstance(e, Symbol) for e in v):
            return True
    return False


class Tracer:
    def __init__(self, named_arrays):
        self.by_id = {id(a): name for name, a in named_arrays.items()}
        self.weights = {}
        self.nodes = []
        self.used = set()
        self.scope = []
        self.consts = 0

    @contextlib.contextmanager
    def module_scope(self, name):
        self.scope.append(name)
        try:
            yield
        finally:
            self.scope.pop()

    def _node_name(self, op):
        scope = self.scope[-1] if self.scope else ""
        base = scope if scope and scope not in self.used else (f"{scope}.{op}" if scope else op)
        name, k = base, 1
        while name in self.used:
            name = f"{base}_{k}"
            k += 1
        self.used.add(name)
        return name

    def _value(self, v):
        if v is None:
            return ""
        if isinstance(v, Symbol):
            if v._tracer is not self:
                raise ValueError("a Symbol from another trace was used")
            return v.name
        name = self.by_id.get(id(v))
        if name is None:
            arr = np.array(v, dtype=np.float32)  # python scalars and foreign arrays become constants
            scope = self.scope[-1] if self.scope else "const"
            name = f"{scope}.const{self.consts}"
            self.consts += 1
            self.weights[name] = arr
            return name
        self.weights[name] = np.ascontiguousarray(v, dtype=np.float32)
        return name

    def node(self, op, inputs, **attrs):
        name = self._node_name(op)
        self.nodes.append({"name": name, "op": op, "inputs": [self._value(v) for v in inputs], "outputs": [name],
                           "attrs": {k: v for k, v in attrs.items() if v is not None}})
        return Symbol(self, name)


@contextlib.contextmanager
def tracing(tracer):
    prev = current()
    _state.tracer = tracer
    try:
        yield tracer
    finally:
        _state.tracer = prev


def record(op, inputs, **attrs):
    """Records `op` on the tracer of the first Symbol among inputs."""
    for v in inputs:
        if isinstance(v, Symbol):
            return v._tracer.node(op, inputs, **attrs)
        if isinstance(v, (list, tuple)):
            for e in v:
                if isinstance(e, Symbol):
                    return e._tracer.node(op, list(v) if op == "concat" else inputs, **attrs)
    raise AssertionError("record() without a Symbol")
