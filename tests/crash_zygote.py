"""A parent that has already imported ganbench and torch, and forks one child per CLI command.

The crash tests kill commands at chosen points and re-run them; starting each from a fresh
interpreter would spend most of the test importing torch. This process imports once (and runs no
torch op, so no thread pool exists to be broken by ``fork``), then serves requests on stdin, one JSON
object per line: ``{"argv": [...], "env": {...}, "cwd": "...", "log": "path"}``. For each it forks a
child that starts a new session (so ``GANBENCH_FAULT`` kills the child's process group, not this
one), applies ``env``, writes its output to ``log`` and exits with ``ganbench.cli.main(argv)``;
it answers ``{"pid": ..., "status": ...}`` (the exit code, or minus the signal that killed it).
"""
import json
import os
import sys

import torch  # noqa: F401  (imported before any fork: what the children would otherwise import each)

import ganbench.api  # noqa: F401
import ganbench.cli


def _child(request: dict) -> None:
    os.setsid()
    os.environ.update(request.get("env", {}))
    os.chdir(request["cwd"])
    fd = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    try:
        code = ganbench.cli.main(request["argv"])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001  (a crash is an answer too)
        import traceback

        traceback.print_exc()
        code = 3
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main() -> None:
    print(json.dumps({"ready": os.getpid()}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        print(json.dumps({"pid": pid, "status": code}), flush=True)


if __name__ == "__main__":
    main()
