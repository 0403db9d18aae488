"""``ganbench weights fetch``: download, verify, write atomically, leave nothing on failure (not the
partial file, not a folder it created), and clean what a killed fetch left; against a local HTTP
server on 127.0.0.1 (never the internet)."""
from __future__ import annotations

import hashlib
import http.server
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import ganbench
from ganbench.cli import main
from ganbench.features.inception_weights import (NVIDIA, OFFICIAL, TORCH_FIDELITY, WeightsFile, fetch, find_weights,
                                                 remove_stale_parts)

PAYLOAD = bytes(range(256)) * 4096  # 1 MiB standing in for a weights file


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        if self.path == "/good.pth":
            self._send(PAYLOAD, len(PAYLOAD))
        elif self.path == "/truncated.pth":  # announces the full size, sends half, hangs up
            self._send(PAYLOAD[: len(PAYLOAD) // 2], len(PAYLOAD))
        elif self.path == "/slow.pth":  # 16 KiB every 50 ms: about 3 s for the whole file
            self.send_response(200)
            self.send_header("Content-Length", str(len(PAYLOAD)))
            self.end_headers()
            try:
                for i in range(0, len(PAYLOAD), 1 << 14):
                    self.wfile.write(PAYLOAD[i:i + (1 << 14)])
                    self.wfile.flush()
                    time.sleep(0.05)
            except OSError:  # the client went away
                pass
            self.close_connection = True
        else:
            self.send_error(404, "File not found")

    def _send(self, body: bytes, length: int):
        self.send_response(200)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *args):  # keep the test output clean
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _spec(sha256=hashlib.sha256(PAYLOAD).hexdigest()):
    return WeightsFile("torch-fidelity", "weights.pth", "unused", sha256, len(PAYLOAD))


def test_good_file_lands_verified(server, tmp_path):
    path = fetch(_spec(), tmp_path, url=f"{server}/good.pth")
    assert path == tmp_path / "weights.pth" and path.read_bytes() == PAYLOAD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["weights.pth"]  # no temporary file left


@pytest.mark.parametrize("dest", ["existing", "new/deeper"])
@pytest.mark.parametrize("path, error, message", [
    ("/good.pth", ValueError, "expected 0000"),  # the server's file is not the one we asked for
    ("/truncated.pth", OSError, "nothing was saved"),
    ("/missing.pth", OSError, "404"),
])
def test_failures_leave_nothing(server, tmp_path, path, error, message, dest):
    spec = _spec("0" * 64) if path == "/good.pth" else _spec()
    (tmp_path / "existing").mkdir()
    with pytest.raises(error, match=message):
        fetch(spec, tmp_path / dest, url=server + path)
    assert [p.name for p in tmp_path.rglob("*")] == ["existing"]  # the folders it made are gone, not the one it found


def test_a_folder_it_made_stays_when_something_else_is_in_it(server, tmp_path, monkeypatch):
    import ganbench.features.inception_weights as iw

    def parts_and_a_neighbour(dest):  # another process puts a file in the new folder meanwhile
        (dest / "other.pth").write_bytes(b"x")
        return []

    monkeypatch.setattr(iw, "remove_stale_parts", parts_and_a_neighbour)
    with pytest.raises(OSError, match="404"):
        fetch(_spec(), tmp_path / "new" / "deeper", url=f"{server}/missing.pth")
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "new", "new/deeper", "new/deeper/other.pth"]


def _when_bytes_arrive(folder: Path, then, timeout=60.0):
    """Call ``then()`` once a partial download in ``folder`` holds some bytes (in a thread)."""
    def watch():
        deadline = time.time() + timeout
        while time.time() < deadline:
            if any(p.stat().st_size > 0 for p in folder.glob(".*.part")) if folder.is_dir() else False:
                then()
                return
            time.sleep(0.01)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_ctrl_c_mid_download_leaves_nothing(server, tmp_path):
    main_thread = threading.main_thread().ident
    watcher = _when_bytes_arrive(tmp_path / "new", lambda: signal.pthread_kill(main_thread, signal.SIGINT))
    with pytest.raises(KeyboardInterrupt):
        fetch(_spec(), tmp_path / "new", url=f"{server}/slow.pth")
    watcher.join()
    assert list(tmp_path.iterdir()) == []


def test_the_next_fetch_removes_what_a_killed_fetch_left(server, tmp_path, capsys):
    spec = _spec()
    code = (f"from ganbench.features.inception_weights import WeightsFile, fetch; "
            f"fetch(WeightsFile('torch-fidelity', {spec.name!r}, 'unused', {spec.sha256!r}, {spec.size}), "
            f"{str(tmp_path)!r}, url={server + '/slow.pth'!r})")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(ganbench.__file__).parents[1]),
                                                        os.environ.get("PYTHONPATH", "")])}
    child = subprocess.Popen([sys.executable, "-c", code], env=env)
    _when_bytes_arrive(tmp_path, child.kill).join()
    child.wait()
    (left,) = tmp_path.glob(".*.part")  # kill -9: no handler ran, the partial file stays
    assert left.name.startswith(f".{spec.name}.ganbench-") and f"-{child.pid}." in left.name
    assert 0 < left.stat().st_size < len(PAYLOAD)
    fetch(spec, tmp_path, url=f"{server}/good.pth")
    assert sorted(p.name for p in tmp_path.iterdir()) == [spec.name]


def test_stale_parts_are_told_from_live_downloads(tmp_path):
    from ganbench.features.inception_weights import _host

    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    try:
        names = {
            f".w.pth.ganbench-{_host()}-{sleeper.pid}.abc.part": "kept",  # a download in progress here
            f".w.pth.ganbench-{_host()}-{dead.pid}.abc.part": "removed",  # its process is gone
            ".w.pth.ganbench-otherhost-1.abc.part": "kept",  # another host's, on a shared folder
            f".w.pth.ganbench-{_host()}-{sleeper.pid}.old.part": "removed (idle)",  # untouched for 2 h: pid reused
            ".w.pth.ganbench-otherhost-2.old.part": "removed (idle)",
            ".w.pth.abcdefgh.part": "kept",  # not ganbench's name
            "w.pth": "kept",
        }
        for name, fate in names.items():
            (tmp_path / name).write_bytes(b"x")
            if "idle" in fate:
                os.utime(tmp_path / name, (time.time() - 7200, time.time() - 7200))
        removed = remove_stale_parts(tmp_path)
        assert sorted(p.name for p in removed) == sorted(n for n, f in names.items() if f.startswith("removed"))
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(n for n, f in names.items() if f == "kept")
    finally:
        sleeper.kill()
        sleeper.wait()
    assert remove_stale_parts(tmp_path / "missing") == []


def test_cli_says_what_it_cleaned_even_when_the_file_is_there(tmp_path, monkeypatch, capsys):
    spec = _spec()
    monkeypatch.setitem(OFFICIAL, "torch-fidelity", spec)
    (tmp_path / spec.name).write_bytes(PAYLOAD)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    from ganbench.features.inception_weights import _host

    part = tmp_path / f".{spec.name}.ganbench-{_host()}-{dead.pid}.x1y2.part"
    part.write_bytes(PAYLOAD[:100])
    assert main(["weights", "fetch", "inception", "--dest", str(tmp_path), "--url", "http://127.0.0.1:9/x"]) == 0
    out = capsys.readouterr().out
    assert f"removed {part}" in out and "already there" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == [spec.name]


def test_failure_keeps_an_earlier_good_file(server, tmp_path):
    fetch(_spec(), tmp_path, url=f"{server}/good.pth")
    with pytest.raises(OSError):
        fetch(_spec(), tmp_path, url=f"{server}/truncated.pth")
    assert (tmp_path / "weights.pth").read_bytes() == PAYLOAD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["weights.pth"]


def test_cli_refuses_a_mirror_with_the_wrong_file(server, tmp_path, capsys):
    rc = main(["weights", "fetch", "inception", "--dest", str(tmp_path), "--url", f"{server}/good.pth", "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2 and TORCH_FIDELITY.sha256 in err and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_cli_404_is_one_line_exit_2(server, tmp_path, capsys):
    rc = main(["weights", "fetch", "inception", "--format", "nvidia", "--dest", str(tmp_path),
               "--url", f"{server}/missing.pth", "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2 and "404" in err and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_cli_does_not_download_a_verified_file_again(tmp_path, monkeypatch, capsys):
    spec = _spec()
    monkeypatch.setitem(OFFICIAL, "torch-fidelity", spec)
    (tmp_path / spec.name).write_bytes(PAYLOAD)
    # No server at all: a download attempt would fail.
    assert main(["weights", "fetch", "inception", "--dest", str(tmp_path), "--url", "http://127.0.0.1:9/x"]) == 0
    assert "already there" in capsys.readouterr().out


def test_evaluation_finds_fetched_files_in_ganbenchs_cache(tmp_path, monkeypatch):
    monkeypatch.delenv("GANBENCH_INCEPTION_WEIGHTS", raising=False)
    monkeypatch.setenv("GANBENCH_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr("torch.hub.get_dir", lambda: str(tmp_path / "hub"))
    with pytest.raises(ValueError, match="ganbench weights fetch inception"):
        find_weights()
    (tmp_path / "weights").mkdir()
    (tmp_path / "weights" / NVIDIA.name).write_bytes(b"x")
    assert find_weights() == tmp_path / "weights" / NVIDIA.name
    (tmp_path / "weights" / TORCH_FIDELITY.name).write_bytes(b"x")  # torch-fidelity's file is preferred
    assert find_weights() == tmp_path / "weights" / TORCH_FIDELITY.name
