"""Module: the base of every layer and model, shaped like torch.nn.Module.

Parameters and buffers are numpy arrays, stored read-only: change them by assigning a new array
(``layer.weight = w``) or with ``load_state_dict``, which also invalidates the compiled model.
Calling a module on arrays traces its forward once into a C++ graph (cnncore.Model), compiles it
per input shape and runs it.
"""
import inspect
from collections import OrderedDict, namedtuple

import numpy as np

from .. import _trace
from .._trace import Symbol, Tracer, is_symbolic, tracing
from ..errors import InvalidArgumentError

_version = [0]  # bumped whenever any module's parameters, buffers or children change

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


def _frozen(value, name, dtype=np.float32):
    a = np.array(value, dtype=dtype, order="C", copy=True)
    a.flags.writeable = False
    return a


def _as_array(value):
    """numpy arrays, torch tensors (CPU) and nested lists."""
    if hasattr(value, "detach") and hasattr(value, "numpy"):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


class Module:
    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_compiled", None)
        object.__setattr__(self, "training", False)

    # ------------------------------------------------------------------ registration
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError("call super().__init__() before assigning attributes of a Module")
        if isinstance(value, Module):
            self._parameters.pop(name, None)
            self._buffers.pop(name, None)
            self._modules[name] = value
            _version[0] += 1
        elif name in self._parameters:
            self._parameters[name] = None if value is None else self._checked(name, value, self._parameters[name])
            _version[0] += 1
        elif name in self._buffers:
            old = self._buffers[name]
            self._buffers[name] = None if value is None else self._checked(name, value, old, old.dtype if old is not None else np.float32)
            _version[0] += 1
        else:
            if name in self._modules:
                del self._modules[name]
                _version[0] += 1
            object.__setattr__(self, name, value)

    def _checked(self, name, value, old, dtype=np.float32):
        a = _as_array(value)
        if old is not None and a.shape != old.shape:
            raise InvalidArgumentError(f"{type(self).__name__}.{name}: shape {a.shape} does not match {old.shape}")
        return _frozen(a, name, dtype)

    def __getattr__(self, name):
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                _version[0] += 1
                return
        object.__delattr__(self, name)

    def register_parameter(self, name, value):
        self._parameters[name] = None if value is None else _frozen(_as_array(value), name)
        _version[0] += 1

    def register_buffer(self, name, value, dtype=np.float32):
        self._buffers[name] = None if value is None else _frozen(_as_array(value), name, dtype)
        _version[0] += 1

    def add_module(self, name, module):
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name} must be a Module, got {type(module).__name__}")
        self._modules[name] = module
        _version[0] += 1

    # ------------------------------------------------------------------ traversal
    def named_modules(self, prefix=""):
        yield prefix, self
        for name, m in self._modules.items():
            if m is not None:
                yield from m.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self):
        return (m for _, m in self.named_modules())

    def children(self):
        return (m for m in self._modules.values() if m is not None)

    def named_children(self):
        return ((n, m) for n, m in self._modules.items() if m is not None)

    def named_parameters(self, prefix=""):
        for mname, m in self.named_modules(prefix):
            for n, p in m._parameters.items():
                if p is not None:
                    yield (f"{mname}.{n}" if mname else n), p

    def parameters(self):
        return (p for _, p in self.named_parameters())

    def named_buffers(self, prefix=""):
        for mname, m in self.named_modules(prefix):
            for n, b in m._buffers.items():
                if b is not None:
                    yield (f"{mname}.{n}" if mname else n), b

    def num_parameters(self):
        return sum(p.size for p in self.parameters())

    # ------------------------------------------------------------------ state
    def state_dict(self):
        """Parameters and buffers keyed as PyTorch would key them (module order, parameters first)."""
        out = OrderedDict()
        self._save_to(out, "")
        return out

    def _save_to(self, out, prefix):
        for n, p in self._parameters.items():
            if p is not None:
                out[prefix + n] = p
        for n, b in self._buffers.items():
            if b is not None:
                out[prefix + n] = b
        for n, m in self._modules.items():
            if m is not None:
                m._save_to(out, f"{prefix}{n}.")

    def load_state_dict(self, state_dict, strict=True):
        """Copies arrays (numpy or torch) into this module's parameters and buffers.

        Shape mismatches always raise; with strict=True, missing or unexpected keys raise too.
        Every problem is listed in one InvalidArgumentError.
        """
        own = self.state_dict()
        given = OrderedDict((k, _as_array(v)) for k, v in state_dict.items())
        missing = [k for k in own if k not in given]
        unexpected = [k for k in given if k not in own]
        problems = [f"{k}: shape {tuple(given[k].shape)} in the state dict, {tuple(own[k].shape)} in the model"
                    for k in own if k in given and tuple(given[k].shape) != tuple(own[k].shape)]
        if strict:
            problems += [f"missing key: {k}" for k in missing] + [f"unexpected key: {k}" for k in unexpected]
        for k in own:
            if k in given and given[k].dtype.kind not in "fiub":
                problems.append(f"{k}: dtype {given[k].dtype} is not numeric")
        if problems:
            raise InvalidArgumentError(f"load_state_dict for {type(self).__name__}: " + "; ".join(problems))
        for key, value in given.items():
            if key not in own:
                continue
            owner, _, leaf = key.rpartition(".")
            mod = self
            for part in owner.split(".") if owner else []:
                mod = mod._modules[part]
            store = mod._parameters if leaf in mod._parameters else mod._buffers
            store[leaf] = _frozen(value, key, own[key].dtype)
        _version[0] += 1
        return IncompatibleKeys(missing, unexpected)

    def eval(self):
        return self.train(False)

    def train(self, mode=True):
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    # ------------------------------------------------------------------ running
    def forward(self, *args):
        raise NotImplementedError(f"{type(self).__name__} has no forward()")

    def __call__(self, *args, **kwargs):
        if is_symbolic(*args, *kwargs.values()):
            tracer = _trace.current()
            name = tracer.module_names.get(id(self), "") if tracer else ""
            with tracer.module_scope(name):
                return self.forward(*args, **kwargs)
        if kwargs:
            raise TypeError(f"{type(self).__name__}: keyword inputs are not supported when running a module")
        return self.to_model()(*args)

    def _num_inputs(self):
        params = list(inspect.signature(self.forward).parameters.values())
        n = sum(1 for p in params if p.default is inspect.Parameter.empty and
                p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))
        return max(n, 1)

    def to_model(self):
        """The traced, compiled-per-shape cnncore.Model of this module (cached until weights change)."""
        from ..model import Model
        cached = self.__dict__.get("_compiled")
        if cached is not None and cached[0] == _version[0]:
            return cached[1]
        named = OrderedDict(self.named_parameters())
        named.update(self.named_buffers())
        tracer = Tracer(named)
        tracer.module_names = {id(m): n for n, m in self.named_modules()}
        n_in = self._num_inputs()
        names = ["input"] if n_in == 1 else [f"input{i}" for i in range(n_in)]
        with tracing(tracer):
            out = self(*[Symbol(tracer, n) for n in names])
        outs = list(out) if isinstance(out, (tuple, list)) else [out]
        for i, o in enumerate(outs):
            if not isinstance(o, Symbol):
                raise TypeError(f"{type(self).__name__}.forward must return graph values, got {type(o).__name__}")
            if o.name in names:  # forward returned its input: make the output a node of its own
                outs[i] = tracer.node("identity", [o])
        from .. import __version__
        graph = {"inputs": names, "outputs": [o.name for o in outs], "nodes": tracer.nodes,
                 "metadata": {"producer": f"cnncore {__version__}", "model": type(self).__name__}}
        model = Model.from_graph(graph, tracer.weights)
        object.__setattr__(self, "_compiled", (_version[0], model))
        return model

    def summary(self, input_shape, batch_size=1, print_table=True):
        """See cnncore.Model.summary."""
        return self.to_model().summary(input_shape, batch_size, print_table)

    def save(self, path):
        """Saves the traced model as .cnnc (load it back with cnncore.load)."""
        self.to_model().save(path)

    # ------------------------------------------------------------------ printing
    def extra_repr(self):
        return ""

    def __repr__(self):
        lines = [f"({n}): " + repr(m).replace("\n", "\n  ") for n, m in self._modules.items() if m is not None]
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not lines:
            return head + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"

    def __getstate__(self):
        d = dict(self.__dict__)
        d["_compiled"] = None
        return d

    def __setstate__(self, d):
        self.__dict__.update(d)
        for store in (self._parameters, self._buffers):  # unpickled arrays come back writeable
            for k, v in store.items():
                if v is not None:
                    v.flags.writeable = False
