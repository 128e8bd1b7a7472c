"""Serve a built site on 127.0.0.1 as a static host would: text gzipped, `Cache-Control: max-age=600`.

The benchmark (Lighthouse, page weights) and the browser tests load pages through it. Why not `python -m
http.server`: it sends every file uncompressed, which no host that publishes a site does (GitHub Pages, Netlify,
nginx's usual setup); gzip makes the built site's text 21 % of its size, so a page weighed or scored without it
is not the page readers get. Each response is compressed when asked for (the 470 KB search index: 15 ms).
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


class StaticSiteHandler(http.server.SimpleHTTPRequestHandler):
    """`SimpleHTTPRequestHandler` with gzip for text (images such as PNG are compressed already); quiet."""

    def send_head(self):  # noqa: ANN201 - the base class's contract: a file object or None
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?")[0].endswith("/"):  # (the base class redirects "dir" to "dir/")
            path = path / "index.html"
        content_type = self.guess_type(str(path))
        if not (path.is_file() and content_type.startswith(COMPRESSED_TYPES) and "gzip" in self.headers.get("Accept-Encoding", "")):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        for header, value in (("Content-Type", content_type), ("Content-Encoding", "gzip"),
                              ("Content-Length", str(len(body))), ("Vary", "Accept-Encoding")):
            self.send_header(header, value)
        self.end_headers()
        return io.BytesIO(body)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "max-age=600")  # GitHub Pages' own
        super().end_headers()

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def serving(directory: Path) -> Iterator[str]:
    """Serve `directory` on a free port of 127.0.0.1, in a thread, while the block runs; yields the base URL
    ending in `/`, e.g. `http://127.0.0.1:40123/`."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(StaticSiteHandler, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
