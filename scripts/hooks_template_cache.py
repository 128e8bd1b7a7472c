"""mkdocs hook: keep, between builds, the work that gives the same result for the same input.

- **Compiled templates**, in every build. Every build compiles some seventy templates (Material's pages and
  partials, mkdocstrings' API reference) from source to Python before it renders anything. Jinja's own bytecode
  cache keeps what it compiled in a folder of the user's temporary directory, keyed by the template's name and a
  checksum of its source, so an edited template or a new release is compiled afresh.
- **API entries and search entries**, in memory, from one `mkdocs serve` rebuild to the next (a rebuild follows
  every edit, and rebuilds everything: a dirty build would leave out the backlinks and search entries of the
  pages it skips). mkdocstrings' HTML for each `:::` entry, with the headings it reported, is kept by page,
  object, options and a fingerprint of what else it is made from (the package's sources, our templates,
  mkdocs.yml, the site's files); Material's search entries for each page by the page's final HTML, address,
  title, metadata and table of contents, which is all they are made from. A hit replays the entry's headings
  through mkdocstrings' own `heading` filter, so its table of contents, cross-references and inventory are as
  before. What a rebuild did not use is dropped; after a build that logged a warning nothing is kept, so the
  next rebuild warns again.

Why it stays: neither MkDocs, Material nor mkdocstrings keeps any of this between builds or has an option to;
Jinja's cache needs an environment to be handed to it. Measured on the 2-core machine: Jinja's parsing and
compiling take 1.7 s of a no-op build under cProfile without the bytecode cache, 0.14 to 0.24 s with it. A serve
rebuild after a page edit spent 2.4 s rendering API entries and 1.1 s indexing for search, 6.3 s in all (load 1);
with the kept entries 2.6-3.3 s (load 1-2), and the built site is byte-identical either way.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

from jinja2 import FileSystemBytecodeCache
from mkdocs.utils import CountHandler

CACHE = FileSystemBytecodeCache()  # a private folder under the system's temporary directory
ROOT = Path(__file__).resolve().parent.parent
RENDER_INPUTS = ("seqdocs", "overrides/.mkdocstrings")
"""Folders whose every file goes into the API entries' fingerprint, with mkdocs.yml and the site's file list."""

kept: dict[tuple, object] = {}
"""What the last build made: `("api", page, object, options, locale, fingerprint)` -> (HTML, heading calls),
`("search", ...)` -> the page's search entries."""
made: dict[tuple, object] = {}
"""What this build made or used."""
fingerprint = ""
current_page = ""
"""The page being converted (its path under docs/)."""


warnings = CountHandler(level=logging.WARNING)
logging.getLogger("mkdocs").addHandler(warnings)


def on_config(config) -> None:
    """Keep each page's search entries (Material's search plugin makes its index anew in its own `on_config`)."""
    index = getattr(config.plugins.get("material/search"), "search_index", None)
    if index is None:
        return
    add_entries = index.add_entry_from_context

    def add_entry_from_context(page) -> None:
        toc = json.dumps([[item.id, item.title, item.level, item.url] for item in _walk(page.toc)])
        key = ("search", page.content, page.url, str(page.title), json.dumps(page.meta, sort_keys=True, default=str), toc)
        entries = kept.get(key)
        if entries is None:
            start = len(index.entries)
            add_entries(page)
            entries = index.entries[start:]
        else:
            index.entries.extend(entries)
        made[key] = entries

    index.add_entry_from_context = add_entry_from_context


def _walk(items):
    for item in items:
        yield item
        yield from _walk(item.children)


def on_pre_build(config) -> None:
    """mkdocstrings' templates (its Python handler has its own environment, made when first asked for), and its
    rendering, kept."""
    warnings.counts.clear()
    plugin = config.plugins.get("mkdocstrings")
    if plugin is None:
        return
    handler = plugin.get_handler("python")
    handler.env.bytecode_cache = CACHE
    render, heading = handler.render, handler.env.filters["heading"]

    def kept_render(data, options, locale=None) -> str:
        key = ("api", current_page, data.path, repr(options), locale, fingerprint)
        if key in kept:
            html, headings = made[key] = kept[key]
            for args, kwargs in headings:
                heading(*args, **kwargs)
            return html
        headings = []
        handler.env.filters["heading"] = lambda *args, **kwargs: headings.append((args, kwargs)) or heading(*args, **kwargs)
        try:
            html = render(data, options, locale=locale)
        finally:
            handler.env.filters["heading"] = heading
        made[key] = html, headings
        return html

    handler.render = kept_render


def on_files(files, config):
    """The fingerprint of what an API entry is made from besides its page, object and options."""
    global fingerprint
    digest = hashlib.sha256(Path(config.config_file_path).read_bytes())
    digest.update("\n".join(sorted(file.src_uri for file in files)).encode())
    for folder in RENDER_INPUTS:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(f"\0{path.relative_to(ROOT)}\0".encode() + path.read_bytes())
    fingerprint = digest.hexdigest()
    return files


def on_env(env, config, files):
    """The theme's templates."""
    env.bytecode_cache = CACHE
    return env


def on_page_markdown(markdown: str, page, config, files) -> str:
    global current_page
    current_page = page.file.src_uri
    return markdown


def on_post_build(config) -> None:
    """Keep what this build made for the next, unless it logged a warning."""
    global kept, made
    kept, made = ({} if warnings.get_counts() else made), {}
