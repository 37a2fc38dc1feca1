"""python -m cnncore: command-line entry point."""
import argparse
import sys


def _demo(args):
    from ._demo import run
    return run(args)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="cnncore", description="cnncore command-line tools")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run a small CNN on a bundled sample image and report what ran")
    demo.add_argument("--batch", type=int, default=1)
    demo.set_defaults(func=_demo)
    args = parser.parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
