"""Command line: argument parsing and exit codes only (0 ok, 2 bad input)."""
from __future__ import annotations

import argparse
import sys

EXIT_OK, EXIT_USAGE = 0, 2


def _cmd_eval(args) -> int:
    from ganbench.evaluation import evaluate
    from ganbench.io import load_array
    from ganbench.utils.atomic import atomic_write_json

    metrics = [m.strip() for m in args.metrics.split(",") if m.strip()]
    ext_opts = {}
    if args.features == "inception":
        ext_opts = {"weights": args.inception_weights, "device": args.device}
    options = {"device": args.device}
    if args.kid_subset_size is not None:
        options["kid_subset_size"] = args.kid_subset_size
    if args.kid_subsets is not None:
        options["kid_subsets"] = args.kid_subsets
    result = evaluate(load_array(args.real), load_array(args.fake), metrics, args.features, ext_opts, options)
    width = max(len(k) for k in result.values)
    print(f"ganbench eval  features={args.features}  n_real={result.protocol['n_real']}  n_fake={result.protocol['n_fake']}")
    for key, value in result.values.items():
        better = {True: "higher is better", False: "lower is better", None: ""}[result.protocol["higher_is_better"][key]]
        print(f"  {key:<{width}}  {value:>14.6g}   {better}")
    if args.json:
        atomic_write_json(args.json, {"real": str(args.real), "fake": str(args.fake), **result.to_dict()})
        print(f"wrote {args.json}")
    return EXIT_OK


def _cmd_list(args) -> int:
    from ganbench.features import EXTRACTORS
    from ganbench.metrics import METRICS

    if args.what == "metrics":
        for name, spec in METRICS.items():
            dirs = ", ".join(f"{k} ({'higher' if v else 'lower'} is better)" for k, v in spec.higher_is_better.items() if v is not None)
            print(f"{name:6s} {dirs}  [{spec.paper}]")
    elif args.what == "extractors":
        for name in EXTRACTORS:
            print(name)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    from ganbench import __version__
    from ganbench.features import EXTRACTORS

    p = argparse.ArgumentParser(prog="ganbench", description="GAN evaluation and benchmarking suite.")
    p.add_argument("--version", action="version", version=f"ganbench {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    e = sub.add_parser("eval", help="compute metrics between two sets of samples or features")
    e.add_argument("real", help="real samples/features: .npy, .npz or a folder of images")
    e.add_argument("fake", help="generated samples/features: .npy, .npz or a folder of images")
    e.add_argument("--metrics", default="fid,kid,pr,dc", help="comma-separated: fid,kid,pr,dc,is (default: %(default)s)")
    e.add_argument("--features", default="identity", choices=sorted(EXTRACTORS), help="feature extractor")
    e.add_argument("--inception-weights", default=None, help="path to the InceptionV3 weights file (else $GANBENCH_INCEPTION_WEIGHTS)")
    e.add_argument("--kid-subsets", type=int, default=None)
    e.add_argument("--kid-subset-size", type=int, default=None)
    e.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda, cuda:N")
    e.add_argument("--json", default=None, help="also write the values and the protocol to this JSON file")
    e.set_defaults(func=_cmd_eval)

    ls = sub.add_parser("list", help="list registered metrics or feature extractors")
    ls.add_argument("what", choices=["metrics", "extractors"])
    ls.set_defaults(func=_cmd_list)
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ValueError as exc:  # user errors: one line, no traceback
        print(f"ganbench: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("ganbench: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
