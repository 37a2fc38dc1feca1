"""`python -m cnncore demo`: LeNet-5 from the zoo on a synthetic 32x32 digit.

Prints the layer arithmetic of the lecture ((W - F + 2P)/S + 1, F*F*C*K + K), saves the model to
.cnnc and loads it back, and times the forward pass. The weights are seeded random numbers (no
trained model ships), so the predicted class is meaningless.
"""
import os
import tempfile
import time

import numpy as np

import cnncore as cc


def _digit_seven(size=32):
    """A hand-drawn-looking '7' on a dark background, as float32 [1, 1, size, size]."""
    img = np.zeros((size, size), np.float32)
    img[6:9, 7:25] = 1.0
    for r in range(9, 27):
        c = 24 - (r - 9) * 10 // 18
        img[r, c - 1:c + 2] = 1.0
    return img[None, None]


def run(args):
    info = cc.build_info()
    print(f"cnncore {cc.__version__}: ISA {info['isa_active']} (detected {info['isa_detected']}, "
          f"compiled {'/'.join(info['isa_compiled'])}), {info['num_threads']} threads, "
          f"OpenMP {'on' if info['openmp'] else 'off'}\n")
    cc.manual_seed(0)
    net = cc.zoo.lenet5()
    batch = max(1, args.batch)
    print(f"LeNet-5 (random weights), batch {batch}:")
    net.summary((1, 32, 32), batch_size=batch)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "lenet5.cnnc")
        net.save(path)
        model = cc.load(path)
        size = os.path.getsize(path)
    x = np.repeat(_digit_seven(), batch, axis=0)
    logits = model(x)
    times = []
    for _ in range(50):
        t0 = time.perf_counter()
        model(x)
        times.append(time.perf_counter() - t0)
    probs = cc.functional.softmax(logits, dim=1)
    print(f"\nsaved and reloaded as .cnnc ({size:,} bytes); forward pass: median {np.median(times) * 1e3:.3f} ms "
          f"over 50 runs")
    print(f"predicted class {int(probs[0].argmax())} with p={probs[0].max():.3f} "
          "(weights are random, so the class means nothing)")
    return 0
