"""Model summaries: per-layer output shape, parameters, FLOPs, and the lecture's formulas
``(W - F + 2P)/S + 1`` and ``F*F*C*K + K``, computed from the graph and the C++ shape inference."""


def _same_pads(size, k, s, d, lower):
    out = -(-size // s)
    total = max(0, (out - 1) * s + d * (k - 1) + 1 - size)
    small, big = total // 2, total - total // 2
    return (big, small) if lower else (small, big)


def _axis_pads(attrs, axis, naxes, size, k, s, d):
    mode = attrs.get("pad_mode", "explicit")
    if mode == "valid":
        return 0, 0
    if mode in ("same_upper", "same_lower"):
        return _same_pads(size, k, s, d, mode == "same_lower")
    pads = attrs.get("pads", [0] * (2 * naxes))
    return pads[axis], pads[axis + naxes]


def _axis_formula(size, k, s, p0, p1, d, ceil):
    """'(32 - 5 + 2*0)/1 + 1 = 28' and whether the division is inexact."""
    f = d * (k - 1) + 1
    pad = f"2*{p0}" if p0 == p1 else f"{p0}+{p1}"
    num = size - f + p0 + p1
    exact = num % s == 0
    out = (-(-num // s) if ceil else num // s) + 1
    if ceil and (out - 1) * s >= size + p0:
        out -= 1
    fs = f"{f}" if d == 1 else f"{f} (dilated {k})"
    return f"({size} - {fs} + {pad})/{s} + 1 = {out}", not exact


def _window_formula(op, attrs, x, w):
    """Formula for conv/pool nodes; returns (text, flagged)."""
    two_d = x is not None and len(x) == 4
    sizes = x[2:] if two_d else x[2:3]
    if op.startswith("conv"):
        ks = list(w[2:])
    else:
        ks = list(attrs.get("kernel", [1] * len(sizes)))
    naxes = len(sizes)
    strides = list(attrs.get("stride", ks if not op.startswith("conv") else [1] * naxes))
    dil = list(attrs.get("dilation", [1] * naxes))
    ceil = bool(attrs.get("ceil_mode", 0))
    parts, flagged = [], False
    for a in range(naxes):
        p0, p1 = _axis_pads(attrs, a, naxes, sizes[a], ks[a], strides[a], dil[a])
        text, bad = _axis_formula(sizes[a], ks[a], strides[a], p0, p1, dil[a], ceil)
        parts.append(text)
        flagged = flagged or bad
    if naxes == 2 and parts[0] == parts[1]:
        text = parts[0]
    elif naxes == 2:
        text = f"H: {parts[0]}; W: {parts[1]}"
    else:
        text = parts[0]
    if ceil:
        text += " (ceil)"
    return text, flagged


def _shape_text(shape):
    """Lecture order: HxWxC for images, LxC for sequences, the features otherwise."""
    if len(shape) == 4:
        return f"{shape[2]}x{shape[3]}x{shape[1]}"
    if len(shape) == 3:
        return f"{shape[2]}x{shape[1]}"
    return "x".join(str(d) for d in shape[1:]) or "1"


def _param_formula(op, w, has_bias):
    if op in ("conv2d", "conv1d") and w is not None:
        k = "*".join(str(d) for d in w[2:])
        total = 1
        for d in w:
            total *= d
        return f"{k}*{w[1]}*{w[0]}" + (f" + {w[0]}" if has_bias else "") + f" = {total + (w[0] if has_bias else 0):,} params"
    if op == "linear" and w is not None:
        return f"{w[1]}*{w[0]}" + (f" + {w[0]}" if has_bias else "") + f" = {w[0] * w[1] + (w[0] if has_bias else 0):,} params"
    return None


class Summary:
    """Rows (one per graph node) and totals. ``str(summary)`` is the printed table."""

    def __init__(self, rows, input_shapes, planned_bytes, naive_bytes):
        self.rows = rows
        self.input_shapes = input_shapes
        self.total_params = sum(r["params"] for r in rows)
        self.total_flops = sum(r["flops"] for r in rows)
        self.planned_bytes = planned_bytes
        self.naive_bytes = naive_bytes
        self.flagged = [r["name"] for r in rows if r["flagged"]]

    def layer(self, name):
        for r in self.rows:
            if r["name"] == name:
                return r
        raise KeyError(name)

    def __str__(self):
        head = ("layer", "type", "output", "params", "FLOPs", "formula")
        body = [(r["name"], r["op"], _shape_text(r["output_shape"]), f"{r['params']:,}", f"{r['flops']:,}",
                 r["formula"] + ("  <- not an integer: PyTorch floors it" if r["flagged"] else "")) for r in self.rows]
        widths = [max(len(head[i]), *(len(b[i]) for b in body)) if body else len(head[i]) for i in range(5)]
        line = lambda cols: "  ".join(c.ljust(widths[i]) if i < 5 else c for i, c in enumerate(cols)).rstrip()
        out = [line(head), line(["-" * w for w in widths] + ["-" * 7])]
        out += [line(b) for b in body]
        out.append("")
        out.append(f"total parameters: {self.total_params:,}")
        out.append(f"total FLOPs: {self.total_flops:,} (2 per multiply-accumulate)")
        out.append(f"activation memory: {self.planned_bytes / 2**20:.2f} MiB planned "
                   f"({self.naive_bytes / 2**20:.2f} MiB without buffer reuse)")
        if self.flagged:
            out.append(f"warning: (W - F + 2P)/S + 1 is not an integer for: {', '.join(self.flagged)}")
        return "\n".join(out)

    __repr__ = __str__


def build_summary(model, input_shapes):
    info = model._m.layer_info(input_shapes)
    nodes = {n["name"]: n for n in model.graph["nodes"]}
    rows = []
    naive = 0
    for li in info:
        node = nodes[li["name"]]
        op, attrs = li["op"], node["attrs"]
        shapes = li["input_shapes"]
        x = shapes[0] if shapes else None
        w = shapes[1] if len(shapes) > 1 and shapes[1] else None
        has_bias = len(shapes) > 2 and bool(shapes[2])
        formula, flagged = "", False
        if op in ("conv2d", "conv1d", "max_pool2d", "avg_pool2d", "max_pool1d", "avg_pool1d"):
            formula, flagged = _window_formula(op, attrs, x, w)
            formula += f" -> {_shape_text(li['output_shape'])}"
            pf = _param_formula(op, w, has_bias)
            formula += f", {pf}" if pf else ", 0 params"
        elif op == "linear":
            formula = _param_formula(op, w, has_bias)
        out = li["output_shape"]
        numel = 1
        for d in out:
            numel *= d
        if op not in ("flatten", "reshape", "identity", "dropout"):
            naive += numel * 4
        rows.append({"name": li["name"], "op": op, "output_shape": tuple(out), "params": li["params"],
                     "flops": 2 * li["macs"], "formula": formula, "flagged": flagged})
    planned = model._m.planned_bytes(input_shapes)
    return Summary(rows, input_shapes, planned, naive)
