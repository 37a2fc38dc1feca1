"""`python -m cnncore demo`: LeNet-5 through the functional API on a synthetic 32x32 digit.

The weights are seeded random numbers (no trained model ships yet), so the predicted class is
meaningless; the demo shows the layer arithmetic, the parameter counts and the speed.
"""
import time

import numpy as np

import cnncore as cc

F = cc.functional


def _digit_seven(size=32):
    """A hand-drawn-looking '7' on a dark background, as float32 [1, 1, size, size]."""
    img = np.zeros((size, size), np.float32)
    img[6:9, 7:25] = 1.0
    for r in range(9, 27):
        c = 24 - (r - 9) * 10 // 18
        img[r, c - 1:c + 2] = 1.0
    return img[None, None]


def _lenet5(rng):
    def uniform(*shape):
        fan_in = int(np.prod(shape[1:]))
        bound = 1.0 / np.sqrt(fan_in)
        return rng.uniform(-bound, bound, size=shape).astype(np.float32)

    return [("conv1", "conv", uniform(6, 1, 5, 5), uniform(6, 1)[:, 0]), ("pool1", "pool", None, None),
            ("conv2", "conv", uniform(16, 6, 5, 5), uniform(16, 1)[:, 0]), ("pool2", "pool", None, None),
            ("fc1", "fc", uniform(120, 400), uniform(120, 1)[:, 0]), ("fc2", "fc", uniform(84, 120), uniform(84, 1)[:, 0]),
            ("fc3", "fc", uniform(10, 84), uniform(10, 1)[:, 0])]


def _forward(layers, x, trace=None):
    for name, kind, w, b in layers:
        before = x.shape
        if kind == "conv":
            x = F.relu(F.conv2d(x, w, b))
            k = w.shape[-1]
            out = (before[-1] - k + 2 * 0) // 1 + 1
            note = (f"({before[-1]} - {k} + 2*0)/1 + 1 = {out}; {k}*{k}*{w.shape[1]}*{w.shape[0]} + {w.shape[0]}"
                    f" = {w.size + b.size} params")
        elif kind == "pool":
            x = F.max_pool2d(x, 2, 2)
            note = f"({before[-1]} - 2)/2 + 1 = {x.shape[-1]}; 0 params"
        else:
            x = F.linear(x.reshape(x.shape[0], -1), w, b)
            if name != "fc3":
                x = F.relu(x)
            note = f"{w.shape[1]}*{w.shape[0]} + {w.shape[0]} = {w.size + b.size} params"
        if trace is not None:
            trace.append((name, x.shape, note))
    return F.softmax(x, dim=1)


def run(args):
    info = cc.build_info()
    print(f"cnncore {cc.__version__}: ISA {info['isa_active']} (detected {info['isa_detected']}, "
          f"compiled {'/'.join(info['isa_compiled'])}), {info['num_threads']} threads, "
          f"OpenMP {'on' if info['openmp'] else 'off'}")
    layers = _lenet5(np.random.default_rng(0))
    x = np.repeat(_digit_seven(), max(1, args.batch), axis=0)
    trace = []
    probs = _forward(layers, x, trace)
    print(f"\nLeNet-5 on a synthetic 32x32 digit, batch {x.shape[0]} (random weights):")
    for name, shape, note in trace:
        print(f"  {name:6s} -> {'x'.join(map(str, shape[1:])):10s} {note}")
    total = sum(w.size + b.size for _, _, w, b in layers if w is not None)
    print(f"  total parameters: {total:,}")
    times = []
    for _ in range(50):
        t0 = time.perf_counter()
        _forward(layers, x)
        times.append(time.perf_counter() - t0)
    print(f"\nforward pass: median {np.median(times) * 1e3:.3f} ms over 50 runs (reference kernels)")
    print(f"predicted class {int(probs[0].argmax())} with p={probs[0].max():.3f} "
          "(weights are random, so the class means nothing)")
    return 0
