"""python -m cnncore (also the `cnncore` command): demo, summary, run, bench.

MODEL is a .cnnc file or a zoo name (e.g. resnet18, with random weights).
"""
import argparse
import os
import sys
import time

import numpy as np


def _load(spec):
    import cnncore as cc
    if os.path.exists(spec):
        return cc.load(spec)
    if spec in cc.zoo.__all__:
        cc.manual_seed(0)
        return getattr(cc.zoo, spec)().to_model()
    raise SystemExit(f"cnncore: '{spec}' is neither a .cnnc file nor a zoo model ({', '.join(cc.zoo.__all__)})")


def _default_shape(model):
    name = model.graph.get("metadata", {}).get("model", "")
    return {"LeNet5": (1, 32, 32), "TextCNN": (50,)}.get(name, (3, 224, 224))


def _shape(text, model):
    return tuple(int(d) for d in text.split("x")) if text else _default_shape(model)


def _demo(args):
    from ._demo import run
    return run(args)


def _summary(args):
    model = _load(args.model)
    model.summary(_shape(args.shape, model), batch_size=args.batch)
    return 0


def _run(args):
    model = _load(args.model)
    x = np.load(args.input)
    y = model(x)
    if args.output:
        np.save(args.output, y)
        print(f"wrote {args.output}: {y.shape} float32")
    else:
        np.set_printoptions(precision=6, suppress=True, threshold=50)
        print(f"output {y.shape}:\n{y}")
    return 0


def _bench(args):
    import cnncore as cc
    model = _load(args.model)
    if args.threads:
        cc.set_num_threads(args.threads)
    shape = (args.batch,) + _shape(args.shape, model)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    if model.graph.get("metadata", {}).get("model") == "TextCNN":
        x = np.random.default_rng(0).integers(0, 100, shape)
    model(x)  # compile
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        model(x)
        times.append(time.perf_counter() - t0)
    t = np.array(times) * 1e3
    flops = model.summary(shape[1:], batch_size=args.batch, print_table=False).total_flops
    print(f"{args.model} input {shape}, {cc.get_num_threads()} threads, ISA {cc.build_info()['isa_active']}: "
          f"median {np.median(t):.3f} ms (min {t.min():.3f}, max {t.max():.3f}) over {args.runs} runs, "
          f"{flops / np.median(t) / 1e6:.2f} GFLOP/s")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="cnncore", description="cnncore command-line tools")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="run LeNet-5 on a bundled synthetic digit and show the layer arithmetic")
    p.add_argument("--batch", type=int, default=1)
    p.set_defaults(func=_demo)
    p = sub.add_parser("summary", help="per-layer shapes, parameters, FLOPs and formulas")
    p.add_argument("model", help=".cnnc file or zoo name")
    p.add_argument("--shape", help="input shape without batch, e.g. 3x224x224")
    p.add_argument("--batch", type=int, default=1)
    p.set_defaults(func=_summary)
    p = sub.add_parser("run", help="run a model on an input saved with numpy.save")
    p.add_argument("model")
    p.add_argument("input", help=".npy file")
    p.add_argument("-o", "--output", help="write the output to this .npy file")
    p.set_defaults(func=_run)
    p = sub.add_parser("bench", help="time a model's forward pass (median of runs)")
    p.add_argument("model")
    p.add_argument("--shape")
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--threads", type=int)
    p.set_defaults(func=_bench)
    args = parser.parse_args(argv)
    try:
        return args.func(args) or 0
    except (ValueError, TypeError, NotImplementedError, OSError) as e:
        print(f"cnncore: {type(e).__name__}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
