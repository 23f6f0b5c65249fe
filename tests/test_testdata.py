"""scripts/fetch_test_data.py: its pinned hashes match the data the tests use, and it checks them."""

from __future__ import annotations

import functools
import hashlib
import http.server
import shutil
import threading
from pathlib import Path

import fetch_test_data
import pytest
from conftest import DATASETS


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_pinned_hashes_are_those_of_the_test_data():
    for (dataset, subfolder), files in fetch_test_data.FILES.items():
        for name, sha256 in files.items():
            path = DATASETS / dataset / subfolder / name
            assert path.is_file(), path
            assert _sha256(path) == sha256, path
    # Every photo the tests read is fetched.
    for dataset in ("slouching-or-not", "side-view-sitting"):
        on_disk = {p.relative_to(DATASETS / dataset) for p in (DATASETS / dataset).rglob("*") if p.is_file()}
        pinned = {
            Path(sub) / name for (d, sub), files in fetch_test_data.FILES.items() if d == dataset for name in files
        }
        assert on_disk <= pinned, on_disk - pinned


def test_upstream_addresses_name_the_pinned_commit():
    assert fetch_test_data.url("side-view-sitting", "", "hunchback.jpg") == (
        "https://github.com/nvinayvarma189/Sitting-Posture-Recognition/raw/16889c19/sample_images/hunchback.jpg"
    )
    assert fetch_test_data.url("slouching-or-not", "", "LICENSE").endswith("/via-posenet/raw/291a0507/LICENSE")


@pytest.fixture
def mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Serve a copy of the data over HTTP on 127.0.0.1 and point the script's addresses at it."""
    import pooch  # noqa: F401 - the script needs it; it comes with the test extras: pip install '.[test]'

    www = tmp_path / "www"
    shutil.copytree(DATASETS / "side-view-sitting", www / "side-view-sitting")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(www))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    monkeypatch.setattr(fetch_test_data, "url", lambda d, sub, name: "/".join(filter(None, (base, d, sub, name))))
    yield www
    httpd.shutdown()
    httpd.server_close()


def test_fetch_lays_the_files_out_like_the_shared_folder(mirror, tmp_path):
    dest = tmp_path / "data"
    assert fetch_test_data.fetch(dest, ["side-view-sitting"]) == len(fetch_test_data.FILES["side-view-sitting", ""])
    for path in (DATASETS / "side-view-sitting").iterdir():
        assert (dest / "side-view-sitting" / path.name).read_bytes() == path.read_bytes()


def test_fetch_refuses_a_file_with_another_hash(mirror, tmp_path):
    (mirror / "side-view-sitting" / "recline.jpg").write_bytes(b"not the photo")
    with pytest.raises(ValueError, match="hash"):
        fetch_test_data.fetch(tmp_path / "data", ["side-view-sitting"])
