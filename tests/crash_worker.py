"""A warm, single-use process for the crash tests: it imports ganbench and torch, says it is ready,
then runs exactly one CLI command read from stdin and exits with its status.

Forking one pre-imported parent per command would be cheaper, but importing torch starts native
threads, and a process forked from a multi-threaded one can deadlock on a lock another thread held
(it did here); so the test keeps one of these waiting while the previous command runs, and a command
never waits for the imports. Started in its own session by the test, so that ``GANBENCH_FAULT``
kills this command's process group and nothing else. Request: one JSON line ``{"argv": [...],
"env": {...}, "cwd": "...", "log": "path"}``.
"""
import json
import os
import sys

import torch  # noqa: F401  (imported before the command is known: what the command would import anyway)

import ganbench.api  # noqa: F401
import ganbench.cli


def main() -> int:
    print("ready", flush=True)
    request = json.loads(sys.stdin.readline())
    os.environ.update(request.get("env", {}))
    os.chdir(request["cwd"])
    fd = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    return ganbench.cli.main(request["argv"])


if __name__ == "__main__":
    sys.exit(main())
