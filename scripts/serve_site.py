"""Serve the built site on 127.0.0.1 as a static host would: text compressed with gzip, assets cacheable.

    python scripts/serve_site.py [--port 8000] [--directory site]

Python's own `http.server` sends every file uncompressed and uncached, which no host that publishes a site
does (GitHub Pages, Netlify and nginx's usual setup all gzip HTML, CSS, JavaScript, JSON and SVG). Measuring
the site behind it would measure the server, not the site, so the benchmark (`scripts/benchmark.py`) serves
it with this instead. Files are compressed once, on their first request, at gzip level 6.

Why it is written here: `python -m http.server` cannot gzip, and a maintained static server would be a new
dependency (and a second process to manage) for the 30 lines of `StaticSiteHandler`. Measured on the built
site: its 153 HTML, CSS, JavaScript, JSON and SVG files are 6.9 MB as files and 1.4 MB gzipped (20 %; 0.3 s of
CPU to compress them all); the search index 473 KB against 114 KB. Lighthouse's mobile profile times a
throttled network, so the uncompressed site would score the server, not the pages.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gzip
import http.server
import io
import threading
from collections.abc import Iterator
from pathlib import Path

COMPRESSED_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml", "application/xml")
"""Content types a static host compresses; images such as PNG are compressed already."""

CACHE_SECONDS = 600
"""How long a browser may keep a file without asking again: GitHub Pages' `max-age`."""


class StaticSiteHandler(http.server.SimpleHTTPRequestHandler):
    """`SimpleHTTPRequestHandler` with gzip for text and a `Cache-Control` header; quiet."""

    _compressed: dict[tuple[Path, int, int], bytes] = {}
    """Compressed bodies by path, modification time and size: a file rewritten by a rebuild is compressed anew."""
    _lock = threading.Lock()

    def send_head(self):  # noqa: ANN201 - the base class's contract: a file object or None
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?", 1)[0].endswith("/"):
                return super().send_head()  # which redirects "dir" to "dir/"
            path = path / "index.html"
        content_type = self.guess_type(str(path))
        wants_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (wants_gzip and path.is_file() and content_type.startswith(COMPRESSED_TYPES)):
            return super().send_head()
        status = path.stat()
        key = (path, status.st_mtime_ns, status.st_size)
        with self._lock:
            body = self._compressed.get(key)
            if body is None:
                body = self._compressed[key] = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        return io.BytesIO(body)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", f"max-age={CACHE_SECONDS}")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - name fixed by the base class
        pass


def make_server(directory: Path, port: int = 0) -> http.server.ThreadingHTTPServer:
    """A server for `directory` on 127.0.0.1 (`port` 0 picks a free one); call `serve_forever` to run it."""
    handler = functools.partial(StaticSiteHandler, directory=str(directory))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)


@contextlib.contextmanager
def serving(directory: Path) -> Iterator[str]:
    """Serve `directory` on a free port of 127.0.0.1, in a thread, for the duration of the block.

    Yields:
        The base URL, ending in `/`, e.g. `http://127.0.0.1:40123/`.
    """
    server = make_server(directory)
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--directory", type=Path, default=Path(__file__).resolve().parent.parent / "site")
    arguments = parser.parse_args()
    server = make_server(arguments.directory, arguments.port)
    print(f"serving {arguments.directory} at http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
