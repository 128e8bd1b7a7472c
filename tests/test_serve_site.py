"""scripts/serve_site.py, behind which the benchmark weighs pages and the browser tests run, sends what a static host sends."""

from __future__ import annotations

import gzip
import sys
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from serve_site import serving  # noqa: E402


@pytest.fixture
def served(tmp_path: Path):
    (tmp_path / "page").mkdir()
    (tmp_path / "page" / "index.html").write_text("<p>" + "seqdocs " * 500 + "</p>", encoding="utf-8")
    (tmp_path / "figure.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    with serving(tmp_path) as base:
        yield tmp_path, base


def fetch(url: str, encoding: str | None):
    request = urllib.request.Request(url, headers={"Accept-Encoding": encoding} if encoding else {})
    with urllib.request.urlopen(request) as response:
        return response.headers, response.read()


def test_text_is_gzipped_for_a_client_that_accepts_it(served):
    folder, base = served
    headers, body = fetch(base + "page/", "gzip, deflate")
    assert headers["Content-Encoding"] == "gzip"
    assert len(body) < (folder / "page" / "index.html").stat().st_size / 10
    assert gzip.decompress(body) == (folder / "page" / "index.html").read_bytes()
    assert headers["Cache-Control"] == "max-age=600"


def test_plain_when_the_client_does_not_accept_gzip_and_for_images(served):
    folder, base = served
    headers, body = fetch(base + "page/", None)
    assert headers["Content-Encoding"] is None and body == (folder / "page" / "index.html").read_bytes()
    headers, body = fetch(base + "figure.png", "gzip")
    assert headers["Content-Encoding"] is None and body == (folder / "figure.png").read_bytes()


def test_a_folder_without_its_slash_redirects(served):
    _, base = served
    headers, body = fetch(base + "page", "gzip")  # urllib follows the redirect to page/
    assert headers["Content-Encoding"] == "gzip" and b"seqdocs" in gzip.decompress(body)


def test_a_file_rewritten_while_served_is_sent_as_it_now_is(served):
    # A rebuild rewrites pages under a running server: the compressed copy must not outlive the file.
    folder, base = served
    fetch(base + "page/", "gzip")
    page = folder / "page" / "index.html"
    page.write_text("<p>rebuilt, and longer than before</p>", encoding="utf-8")
    _, body = fetch(base + "page/", "gzip")
    assert gzip.decompress(body) == page.read_bytes()
