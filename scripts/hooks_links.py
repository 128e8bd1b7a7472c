"""mkdocs hook: after the build, check every link of the built site, and that nothing loads from another host.

mkdocs checks the links written in Markdown, but not those in raw HTML, in plugins' output or in notebook
pages (mkdocs-jupyter neither rewrites nor checks them). So `on_post_build` reads every built HTML page and
fails the build, listing each problem, if

- an internal `href`, `src` or `srcset` does not resolve to a file of the site (`dir/` means
  `dir/index.html`);
- a `#fragment` names no `id` (or `<a name>`) in the page it points to;
- a page loads anything from another host: a script, stylesheet, image, frame, media or object (a link
  `<a href="https://...">` to another site is fine; loading is not: the site must work offline and fetch
  nothing from elsewhere);
- a stylesheet fetches or imports anything from another host.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from mkdocs.exceptions import PluginError

LOADING_ATTRIBUTES = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "frame": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "input": ("src",),
}
"""Attributes that make the browser fetch something, by tag."""

LINK_ATTRIBUTES = {"a": ("href",), "area": ("href",)}
"""Attributes that only link: checked when internal, allowed to point elsewhere."""

NON_LOADING_RELS = {"canonical", "alternate", "author", "license", "help", "me", "next", "prev", "search", "edit"}
"""`<link rel=...>` values that name a related page rather than load it."""

NOT_FETCHED_SCHEMES = {"mailto", "tel", "javascript", "data", "blob", "about"}

CSS_REMOTE = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])\s*((?:https?:)?//[^'")\s]+)""", re.I)

MAX_LISTED = 60


@dataclass
class Reference:
    """One URL in a page: where it is and what it asks for."""

    page: str
    line: int
    tag: str
    url: str
    loads: bool


@dataclass
class ParsedPage:
    """The parts of a built page the checks need."""

    anchors: set[str] = field(default_factory=set)
    references: list[Reference] = field(default_factory=list)


class _PageParser(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.parsed = ParsedPage()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if attributes.get("id"):
            self.parsed.anchors.add(attributes["id"])
        if tag == "a" and attributes.get("name"):
            self.parsed.anchors.add(attributes["name"])
        loads = tag in LOADING_ATTRIBUTES
        if tag == "link":
            rels = set(attributes.get("rel", "").lower().split())
            loads = not (rels and rels <= NON_LOADING_RELS)
        for name in LOADING_ATTRIBUTES.get(tag, ()) + LINK_ATTRIBUTES.get(tag, ()):
            value = attributes.get(name, "").strip()
            if not value:
                continue
            urls = [candidate.split()[0] for candidate in value.split(",") if candidate.strip()] if name == "srcset" else [value]
            for url in urls:
                self.parsed.references.append(Reference(self.page, self.getpos()[0], tag, url, loads))

    handle_startendtag = handle_starttag


def parse_page(path: Path, site: Path) -> ParsedPage:
    """Read one built HTML page."""
    parser = _PageParser(path.relative_to(site).as_posix())
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    parser.close()
    return parser.parsed


def _target(site: Path, page: str, url: str, base_path: str) -> tuple[Path, str] | None:
    """The file and fragment an internal URL points to; None for a URL that leaves the site."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return None
    if not parts.path:
        return site / page, unquote(parts.fragment)
    if parts.path.startswith("/"):
        # A root-relative URL: the site lives at site_url's path (or at the root without one).
        path = parts.path[len(base_path):] if parts.path.startswith(base_path) else None
        if path is None:
            return site / "__outside_site__" / parts.path.lstrip("/"), ""
        resolved = posixpath.normpath(path.lstrip("/") or ".")
    else:
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(parts.path)))
    target = site / unquote(resolved)
    if parts.path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target, unquote(parts.fragment)


def _leaves_site(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.netloc) or (parts.scheme not in ("", *NOT_FETCHED_SCHEMES))


def check_site(site: Path, site_url: str | None = None) -> list[str]:
    """Every broken internal link, missing anchor and load from another host in a built site.

    Args:
        site: The built site's folder.
        site_url: mkdocs' `site_url`, if set: root-relative links are read against its path.

    Returns:
        One line per problem, `page:line <tag> url: what is wrong`; empty if the site is sound.
    """
    site = Path(site)
    base_path = urlsplit(site_url or "/").path.rstrip("/") + "/"
    pages = {path.relative_to(site).as_posix(): parse_page(path, site) for path in sorted(site.rglob("*.html"))}
    problems = []
    for page, parsed in pages.items():
        for reference in parsed.references:
            where = f"{page}:{reference.line} <{reference.tag}> {reference.url}"
            scheme = urlsplit(reference.url).scheme.lower()
            if scheme in NOT_FETCHED_SCHEMES:
                continue
            if _leaves_site(reference.url):
                if reference.loads:
                    problems.append(f"{where}: loads from another host")
                continue
            target, fragment = _target(site, page, reference.url, base_path)
            if not target.is_file():
                problems.append(f"{where}: no such file {target.relative_to(site).as_posix()}")
                continue
            if fragment and target.suffix == ".html":
                anchors = pages.get(target.relative_to(site).as_posix(), ParsedPage()).anchors
                if fragment not in anchors:
                    problems.append(f"{where}: no id {fragment!r} in {target.relative_to(site).as_posix()}")
    for stylesheet in sorted(site.rglob("*.css")):
        text = stylesheet.read_text(encoding="utf-8", errors="replace")
        for match in CSS_REMOTE.finditer(text):
            problems.append(f"{stylesheet.relative_to(site).as_posix()}: fetches {match.group(1)} from another host")
    return problems


def on_post_build(config) -> None:
    """Fail the build if the built site has a broken link, a missing anchor or a load from another host."""
    problems = check_site(Path(config.site_dir), config.site_url)
    if problems:
        listed = "\n".join(f"  {problem}" for problem in problems[:MAX_LISTED])
        more = f"\n  ... and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
        raise PluginError(f"the built site has {len(problems)} broken links or outside loads:\n{listed}{more}")
