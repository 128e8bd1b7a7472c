"""Serve a built site on 127.0.0.1 as a static host would: text gzipped, `Cache-Control: max-age=600`.

The benchmark's page weights (Playwright) and the browser tests use it; Lighthouse runs behind Lighthouse CI's
own server, which gzips the same way. For a quick look at a build, `python -m http.server -d site` will do.

Why it stays: `http.server` sends every file uncompressed, and no host that publishes a site does (GitHub Pages,
Netlify and nginx's usual setup gzip HTML, CSS, JavaScript, JSON and SVG); Lighthouse CI's server lives only
while its runs do. Measured on the built site: its 138 HTML, CSS, JavaScript, JSON, SVG and XML files are
6.6 MB as files and 1.4 MB gzipped at level 6 (21 %, 0.22 s of CPU for all of them); the search index 470 KB
against 113 KB, 15 ms to compress, so each response is compressed when it is asked for, with no cache.
"""

from __future__ import annotations

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


class StaticSiteHandler(http.server.SimpleHTTPRequestHandler):
    """`SimpleHTTPRequestHandler` with gzip for text and GitHub Pages' `Cache-Control`; quiet."""

    def send_head(self):  # noqa: ANN201 - the base class's contract: a file object or None
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?", 1)[0].endswith("/"):
            path = path / "index.html"  # (without the slash, the base class redirects "dir" to "dir/")
        content_type = self.guess_type(str(path))
        if not ("gzip" in self.headers.get("Accept-Encoding", "") and path.is_file()
                and content_type.startswith(COMPRESSED_TYPES)):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        for header, value in (("Content-Type", content_type), ("Content-Encoding", "gzip"),
                              ("Content-Length", str(len(body))), ("Vary", "Accept-Encoding")):
            self.send_header(header, value)
        self.end_headers()
        return io.BytesIO(body)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "max-age=600")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - name fixed by the base class
        pass


@contextlib.contextmanager
def serving(directory: Path) -> Iterator[str]:
    """Serve `directory` on a free port of 127.0.0.1, in a thread, for the duration of the block.

    Yields:
        The base URL, ending in `/`, e.g. `http://127.0.0.1:40123/`.
    """
    handler = functools.partial(StaticSiteHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
