"""The pose model: found, downloaded from a local server, verified, imported, refused."""

from __future__ import annotations

import functools
import http.server
import shutil
import socket
import threading
from pathlib import Path

import pytest
from conftest import MODEL, run_cli

from posture_watch import config
from posture_watch.errors import UserError
from posture_watch.sense import model


@pytest.fixture
def server(tmp_path: Path):
    """A static HTTP server on 127.0.0.1 serving ``tmp_path/www``."""
    www = tmp_path / "www"
    www.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(www))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield www, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.delenv(model.ENV, raising=False)
    return cache


def test_download_accepts_the_right_file_and_caches_it(server, empty_cache):
    www, base = server
    shutil.copy(MODEL, www / "lite.task")
    path = model.download("lite", f"{base}/lite.task")
    assert path == model.cached_path("lite")
    assert path.is_relative_to(empty_cache)
    assert model.sha256_of(path) == model.SHA256["lite"]
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert list(path.parent.glob(".download-*")) == []
    # The next run finds it in the cache without any address.
    assert model.ensure(config.defaults()) == path


def test_download_refuses_a_wrong_file_with_the_hash(server, empty_cache):
    www, base = server
    # A real zip bundle with the right member names but other bytes.
    import zipfile

    with zipfile.ZipFile(www / "fake.task", "w") as z:
        z.writestr("pose_detector.tflite", b"x")
        z.writestr("pose_landmarks_detector.tflite", b"y")
    with pytest.raises(UserError, match=r"refused: .* has sha256 [0-9a-f]{64}, but the lite model must have 5992"):
        model.download("lite", f"{base}/fake.task")
    assert not model.cached_path("lite").exists()
    assert list(model.cached_path("lite").parent.iterdir()) == []


def test_unreachable_address_gives_the_offline_message(empty_cache):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(UserError) as err:
        model.download("lite", f"http://127.0.0.1:{port}/pose_landmarker_lite.task")
    text = str(err.value)
    assert "could not download the pose model" in text
    assert model.url_for("lite") in text
    assert "posture-watch model import pose_landmarker_lite.task" in text


def test_cli_download_offline_exits_2(empty_cache):
    result = run_cli("model", "download", "--url", "http://127.0.0.1:9/none.task")
    assert result.returncode == 2
    assert "model import" in result.stderr and "Traceback" not in result.stderr


def test_import_and_verify(empty_cache, tmp_path):
    result = run_cli("model", "import", MODEL)
    assert result.returncode == 0, result.stderr
    dest = model.cached_path("lite")
    assert result.stdout.strip() == f"imported {MODEL} into {dest} (sha256 {model.SHA256['lite']})"
    verified = run_cli("model", "verify")
    assert verified.returncode == 0 and model.SHA256["lite"] in verified.stdout
    assert run_cli("model", "path").stdout.strip() == str(model.cached_path("lite"))


@pytest.mark.parametrize("content", [b"", b"not a zip at all", b"PK\x03\x04truncated"])
def test_corrupt_model_is_refused(empty_cache, tmp_path, content):
    bad = tmp_path / "bad.task"
    bad.write_bytes(content)
    result = run_cli("model", "import", bad)
    assert result.returncode == 2
    assert "is not a MediaPipe .task model bundle" in result.stderr
    assert not model.cached_path("lite").exists()


def test_corrupt_cached_model_is_refused_on_use(empty_cache):
    dest = model.cached_path("lite")
    dest.parent.mkdir(parents=True)
    dest.write_bytes(MODEL.read_bytes()[:100_000])
    with pytest.raises(UserError, match="model download"):
        model.ensure(config.defaults())


def test_resolution_order(empty_cache, tmp_path, monkeypatch, config_file):
    settings = config.defaults()
    assert model.configured_path(settings) == (None, "the per-user cache")
    monkeypatch.setenv(model.ENV, str(MODEL))
    assert model.configured_path(settings)[0] == MODEL
    other = tmp_path / "other.task"
    shutil.copy(MODEL, other)
    settings = config.load(config_file(f'[model]\npath = "{other}"\n'))
    assert model.configured_path(settings) == (other, "model.path in the config")
    missing = config.load(config_file(f'[model]\npath = "{tmp_path / "gone.task"}"\n', "m.toml"))
    with pytest.raises(UserError, match="pose model not found"):
        model.ensure(missing)


def test_download_with_a_verified_model_in_the_cache_says_so_without_the_network(empty_cache):
    assert run_cli("model", "import", MODEL).returncode == 0
    # Port 9 (discard) answers nothing: reaching for the network would exit 2 with the offline message.
    result = run_cli("model", "download", "--url", "http://127.0.0.1:9/none.task")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(model.cached_path("lite"))
    assert f"already there, verified (sha256 {model.SHA256['lite']}); nothing downloaded" in result.stderr
    # A damaged cached file is downloaded again (here: the address fails, so it says how to get it).
    model.cached_path("lite").write_bytes(b"damaged")
    again = run_cli("model", "download", "--url", "http://127.0.0.1:9/none.task")
    assert again.returncode == 2 and "could not download the pose model" in again.stderr


@pytest.mark.parametrize("where", ["variable", "settings"])
def test_a_bad_model_the_user_pointed_at_is_to_be_fixed_not_deleted(empty_cache, tmp_path, monkeypatch, where):
    bad = tmp_path / "mine.task"
    bad.write_bytes(b"not a model")
    args: tuple = ()
    if where == "variable":
        monkeypatch.setenv(model.ENV, str(bad))
        fix = f"point ${model.ENV} at a good pose_landmarker .task file, or unset it"
    else:
        settings = tmp_path / "settings.toml"
        settings.write_text(f'[model]\npath = "{bad}"\n', encoding="utf-8")
        args = ("--config", settings)
        fix = 'fix model.path in your settings, or set it to "" to use the per-user cache'
    doctor = run_cli("doctor", *args)
    (line,) = [ln for ln in doctor.stdout.splitlines() if "pose model" in ln]
    assert line.startswith("PROBLEM  pose model: ") and str(bad) in line and fix in line, line
    assert "delete" not in line
    verify = run_cli("model", "verify", *args)
    assert verify.returncode == 2 and fix in verify.stderr and "delete" not in verify.stderr
    assert bad.read_bytes() == b"not a model"
