"""``ganbench weights fetch``: download, verify, write atomically, leave nothing on failure; against
a local HTTP server on 127.0.0.1 (never the internet)."""
from __future__ import annotations

import hashlib
import http.server
import threading

import pytest

from ganbench.cli import main
from ganbench.features.inception_weights import NVIDIA, OFFICIAL, TORCH_FIDELITY, WeightsFile, fetch, find_weights

PAYLOAD = bytes(range(256)) * 4096  # 1 MiB standing in for a weights file


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        if self.path == "/good.pth":
            self._send(PAYLOAD, len(PAYLOAD))
        elif self.path == "/truncated.pth":  # announces the full size, sends half, hangs up
            self._send(PAYLOAD[: len(PAYLOAD) // 2], len(PAYLOAD))
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


@pytest.mark.parametrize("path, error, message", [
    ("/good.pth", ValueError, "expected 0000"),  # the server's file is not the one we asked for
    ("/truncated.pth", OSError, "nothing was saved"),
    ("/missing.pth", OSError, "404"),
])
def test_failures_leave_nothing(server, tmp_path, path, error, message):
    spec = _spec("0" * 64) if path == "/good.pth" else _spec()
    with pytest.raises(error, match=message):
        fetch(spec, tmp_path, url=server + path)
    assert list(tmp_path.iterdir()) == []


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
