"""cnncore.Model: a graph of ops and its weights, compiled per input shape and run by the C++ core.

Models come from ``nn`` modules (``module.to_model()``, or implicitly by calling the module),
from ``cnncore.load(path)`` (.cnnc files) and later from ONNX. The stored graph is unfused; batch
norm folding, activation/residual fusion and memory planning happen when a shape is first run.
"""
import os

import numpy as np

from . import _core
from .errors import InvalidArgumentError

_EXACT_INT_LIMIT = 2 ** 24  # float32 holds every integer below this exactly


def _as_input(x, name):
    """float32 C-contiguous array for a model input. Integer arrays (token ids) are converted
    when every value is exactly representable."""
    if type(x) is np.ndarray and x.dtype == np.float32 and x.flags.c_contiguous and x.flags.aligned:
        return x  # the common case, checked first: a model call's fixed cost is a few microseconds
    a = np.asarray(x)
    if a.dtype.kind in "iu":
        if a.size and np.abs(a).max() >= _EXACT_INT_LIMIT:
            raise InvalidArgumentError(f"input '{name}': integer values must be below 2**24 to pass as float32")
        return np.ascontiguousarray(a, dtype=np.float32).reshape(a.shape)
    if a.dtype.kind != "f":
        raise TypeError(f"input '{name}' must be a float (or integer id) array, got dtype {a.dtype}")
    if a.dtype == np.float32 and a.flags.c_contiguous and a.flags.aligned:
        return a
    return np.array(a, dtype=np.float32, order="C")


class Model:
    """A runnable model. ``y = model(x)`` for one input and output; ``model.run({...})`` for named ones."""

    def __init__(self, core_model):
        self._m = core_model
        self._graph = core_model.graph()
        self._inputs, self._outputs = tuple(self._graph["inputs"]), tuple(self._graph["outputs"])

    @classmethod
    def from_graph(cls, graph, weights):
        """graph: {"inputs", "outputs", "nodes": [{"name", "op", "inputs", "outputs", "attrs"}]};
        weights: {name: float32 array} (copied)."""
        return cls(_core.Model(graph, {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in weights.items()}))

    @property
    def input_names(self):
        return list(self._graph["inputs"])

    @property
    def output_names(self):
        return list(self._graph["outputs"])

    @property
    def graph(self):
        """The stored (unfused) graph as a dict."""
        return self._graph

    def run(self, inputs):
        """inputs: {name: array} -> {output name: float32 array}."""
        if not isinstance(inputs, dict):
            raise TypeError("run: inputs must be a dict {name: array}")
        return self._m.run({k: _as_input(v, k) for k, v in inputs.items()})

    def __call__(self, *inputs):
        names = self._inputs
        if len(inputs) != len(names):
            raise TypeError(f"model takes {len(names)} input(s) ({', '.join(names)}), got {len(inputs)}")
        out = self._m.run({n: _as_input(x, n) for n, x in zip(names, inputs)})
        if len(self._outputs) == 1:
            return out[self._outputs[0]]
        return tuple(out[n] for n in self._outputs)

    def state_dict(self):
        """Weights by name (read-only arrays)."""
        return dict(self._m.weights())

    def save(self, path):
        """Writes the model as a single .cnnc file (docs/format.md)."""
        self._m.save(os.fspath(path))

    def to_bytes(self):
        return self._m.to_bytes()

    @classmethod
    def from_bytes(cls, data):
        return cls(_core.model_from_bytes(bytes(data)))

    def __reduce__(self):
        return (Model.from_bytes, (self.to_bytes(),))

    def set_optimize(self, on=True):
        """Turns graph optimisation (batch-norm folding, fusion) on or off (for comparisons)."""
        self._m.set_optimize(bool(on))

    def optimized_graph(self, *input_shapes):
        """The graph as compiled for these input shapes: batch norm folded, activations and
        residual adds fused into their producers (attrs 'activation', 4th input = residual)."""
        return self._m.optimized_graph(self._shape_dict(input_shapes))

    def planned_bytes(self, *input_shapes):
        """Activation memory of the compiled plan for these input shapes (after buffer reuse)."""
        return self._m.planned_bytes(self._shape_dict(input_shapes))

    def _shape_dict(self, input_shapes):
        names = self.input_names
        if len(input_shapes) != len(names):
            raise TypeError(f"model takes {len(names)} input shape(s), got {len(input_shapes)}")
        return {n: [int(d) for d in s] for n, s in zip(names, input_shapes)}

    def summary(self, input_shape, batch_size=1, print_table=True):
        """Per layer: output shape, parameters, FLOPs and the formula behind them.

        input_shape excludes the batch (e.g. (3, 32, 32)); a layer whose (W - F + 2P)/S + 1 is
        not an integer is flagged (the output size is floored, as in PyTorch).
        """
        from ._summary import build_summary
        shape = [int(batch_size)] + [int(d) for d in input_shape]
        s = build_summary(self, {self.input_names[0]: shape})
        if print_table:
            print(s)
        return s

    def __repr__(self):
        ops = [n["op"] for n in self._graph["nodes"]]
        return f"cnncore.Model({len(ops)} nodes, inputs={self.input_names}, outputs={self.output_names})"


def load(path):
    """Loads a .cnnc model (weights memory-mapped). Corrupt files raise ModelFormatError."""
    return Model(_core.load_model(os.fspath(path)))
