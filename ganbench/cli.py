"""Command line: argument parsing and exit codes only (0 ok, 2 bad input)."""
from __future__ import annotations

import argparse
import sys

EXIT_OK, EXIT_USAGE = 0, 2


def _cmd_eval(args) -> int:
    from ganbench.evaluation import evaluate, evaluate_task
    from ganbench.io import load_array
    from ganbench.utils.atomic import atomic_write_json

    if args.task:
        if len(args.inputs) != 1:
            raise ValueError(f"with --task, give only the generated samples (FAKE), got {len(args.inputs)} paths")
        real, fake = f"task:{args.task}", args.inputs[0]
        extractor = _task_extractor(args.task)
        ext_opts = {"weights": args.inception_weights, "device": args.device} if extractor == "inception" else {}
        result = evaluate_task(args.task, load_array(fake), eval_seed=args.eval_seed, device=args.device,
                               extractor_options=ext_opts)
    else:
        if len(args.inputs) != 2:
            raise ValueError(f"give REAL and FAKE (or --task NAME and FAKE), got {len(args.inputs)} paths")
        real, fake = args.inputs
        extractor = args.features
        metrics = [m.strip() for m in args.metrics.split(",") if m.strip()]
        ext_opts = {"weights": args.inception_weights, "device": args.device} if extractor == "inception" else {}
        options = {"device": args.device}
        if args.kid_subset_size is not None:
            options["kid_subset_size"] = args.kid_subset_size
        if args.kid_subsets is not None:
            options["kid_subsets"] = args.kid_subsets
        result = evaluate(load_array(real), load_array(fake), metrics, extractor, ext_opts, options)
    width = max(len(k) for k in result.values)
    print(f"ganbench eval  {f'task={args.task}  ' if args.task else ''}features={extractor}  "
          f"n_real={result.protocol['n_real']}  n_fake={result.protocol['n_fake']}")
    for key, value in result.values.items():
        better = {True: "higher is better", False: "lower is better", None: ""}[result.protocol["higher_is_better"].get(key)]
        print(f"  {key:<{width}}  {value:>14.6g}   {better}")
    if args.json:
        atomic_write_json(args.json, {"real": str(real), "fake": str(fake), **result.to_dict()})
        print(f"wrote {args.json}")
    return EXIT_OK


def _task_extractor(name: str) -> str:
    from ganbench.data import get_task

    return get_task(name).protocol.extractor


def _cmd_list(args) -> int:
    from ganbench.features import EXTRACTORS
    from ganbench.metrics import METRICS

    if args.what == "tasks":
        import pandas as pd

        from ganbench.data import TASK_FAMILIES, TASKS, get_task

        rows = []
        for name in TASKS:
            i = get_task(name).info()
            rows.append({"task": name, "shape": "x".join(map(str, i["shape"])), "modes": i["modes"] or "",
                         "metrics": ",".join(i["metrics"]), "extractor": i["extractor"],
                         "n_real/n_fake": f"{i['n_real']}/{i['n_fake']}", "paper": i["paper"]})
        for prefix in TASK_FAMILIES:
            rows.append({"task": f"{prefix}:PATH", "shape": "from data", "modes": "", "metrics": "fid,kid,pr",
                         "extractor": "inception", "n_real/n_fake": "all/50000", "paper": "user data"})
        print(pd.DataFrame(rows).to_string(index=False))
    elif args.what == "metrics":
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
    e.add_argument("inputs", nargs="+", metavar="REAL FAKE",
                   help="real then generated samples/features (.npy, .npz or a folder of images); with --task only FAKE")
    e.add_argument("--task", default=None, help="judge FAKE by this task's real data and protocol (see `ganbench list tasks`)")
    e.add_argument("--eval-seed", type=int, default=0, help="seed of the task's real reference samples (default 0)")
    e.add_argument("--metrics", default="fid,kid,pr,dc", help="comma-separated: fid,kid,pr,dc,is (default: %(default)s)")
    e.add_argument("--features", default="identity", choices=sorted(EXTRACTORS), help="feature extractor")
    e.add_argument("--inception-weights", default=None, help="path to the InceptionV3 weights file (else $GANBENCH_INCEPTION_WEIGHTS)")
    e.add_argument("--kid-subsets", type=int, default=None)
    e.add_argument("--kid-subset-size", type=int, default=None)
    e.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda, cuda:N")
    e.add_argument("--json", default=None, help="also write the values and the protocol to this JSON file")
    e.set_defaults(func=_cmd_eval)

    ls = sub.add_parser("list", help="list registered tasks, metrics or feature extractors")
    ls.add_argument("what", choices=["tasks", "metrics", "extractors"])
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
