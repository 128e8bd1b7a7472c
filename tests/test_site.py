"""What every reader of the built site gets: a clean build, links that land, figures with alt text,
nothing fetched from another host, and an API reference the tutorials point into.

All tests read the HTML of one strict build (the ``built_site`` fixture in conftest.py).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urljoin, urlsplit

import pytest

import seqdocs

if TYPE_CHECKING:
    from conftest import NavPage, SiteBuild

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parent.parent

# A stand-in origin for the site, so urljoin can tell links inside it from links elsewhere.
SITE_ORIGIN = "http://site.invalid/"

# Attributes that make the browser load something, per tag (an <a href> is a link, not a load).
LOADING_ATTRIBUTES = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "input": ("src",),
}

# <link rel=...> values that name a related page rather than load a resource.
NON_LOADING_LINK_RELS = {"canonical", "alternate", "author", "license", "help", "me", "next", "prev", "search"}

# Each tutorial page and the API entry its prose must link to.
TUTORIAL_API_LINKS = {
    "setup.md": "make_setup",
    "rnn.md": "rnn_trace",
    "lstm.md": "lstm_trace",
    "gru.md": "gru_trace",
    "attention.md": "attention_trace",
}


@dataclass
class Element:
    """One start tag of a page: its name and attributes (a valueless attribute maps to "")."""

    tag: str
    attributes: dict[str, str]
    line: int


@dataclass
class Page:
    """The parts of a built HTML page these tests look at."""

    path: Path
    relative: str
    elements: list[Element] = field(default_factory=list)
    anchors: set[str] = field(default_factory=set)


class _PageParser(HTMLParser):
    def __init__(self, page: Page) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        self.page.elements.append(Element(tag, attributes, self.getpos()[0]))
        if "id" in attributes:
            self.page.anchors.add(attributes["id"])
        if tag == "a" and "name" in attributes:
            self.page.anchors.add(attributes["name"])

    handle_startendtag = handle_starttag


@cache
def _parse(path: Path, site: Path) -> Page:
    page = Page(path, path.relative_to(site).as_posix())
    parser = _PageParser(page)
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return page


def html_pages(site: Path) -> list[Page]:
    """Every HTML page of the site, parsed."""
    return [_parse(path, site) for path in sorted(site.rglob("*.html"))]


def page_at(site: Path, relative: str) -> Page:
    return _parse(site / relative, site)


def resolve(site: Path, page: Page, reference: str) -> tuple[Path, str] | None:
    """The file a reference on ``page`` points to and its fragment; None if it leaves the site.

    Handles relative paths, site-absolute paths, ``dir/`` meaning ``dir/index.html``, and
    percent-escapes. ``mailto:``, ``data:`` and similar are treated as leaving the site.
    """
    target = urlsplit(urljoin(SITE_ORIGIN + page.relative, reference.strip()))
    if f"{target.scheme}://{target.netloc}/" != SITE_ORIGIN:
        return None
    path = site / unquote(target.path).lstrip("/")
    if target.path.endswith("/") or path.is_dir():
        path = path / "index.html"
    return path, unquote(target.fragment)


def references(element: Element, attributes: tuple[str, ...]) -> list[str]:
    """The URLs in the given attributes of an element (a srcset holds several)."""
    found = []
    for name in attributes:
        value = element.attributes.get(name)
        if not value:
            continue
        if name == "srcset":
            found.extend(candidate.split()[0] for candidate in value.split(",") if candidate.strip())
        else:
            found.append(value)
    return found


def is_loading_link(element: Element) -> bool:
    rels = set(element.attributes.get("rel", "").lower().split())
    return not (rels and rels <= NON_LOADING_LINK_RELS)


def is_other_host(reference: str) -> bool:
    target = urlsplit(urljoin(SITE_ORIGIN, reference.strip()))
    if target.scheme == "data":
        return False
    return f"{target.scheme}://{target.netloc}/" != SITE_ORIGIN


def nav_page_named(site_nav: list[NavPage], source: str) -> NavPage:
    for page in site_nav:
        if page.source == source:
            return page
    pytest.fail(f"{source} is not in the nav of mkdocs.yml", pytrace=False)


# --- the build ---------------------------------------------------------------------------------------------


def test_strict_build_passes_without_warning(site_build: SiteBuild) -> None:
    lines = site_build.log_lines()
    output = "\n".join(lines)
    assert site_build.returncode == 0, f"`mkdocs build --strict` exited with {site_build.returncode}:\n{output}"
    warnings = [line for line in lines if "WARNING" in line]
    assert not warnings, "the build printed warnings:\n" + "\n".join(warnings)


def test_build_raises_no_python_warning(site_build: SiteBuild) -> None:
    # A Python warning during the build is often a figure problem (a glyph missing from the font)
    # or a deprecated call that will break on the next upgrade.
    warnings = [line for line in site_build.log_lines() if re.search(r"\b[A-Z]\w*Warning\b", line)]
    assert not warnings, "the build raised Python warnings:\n" + "\n".join(warnings)


# --- links and resources -----------------------------------------------------------------------------------


def test_every_internal_link_and_fragment_resolves(built_site: Path) -> None:
    broken = []
    for page in html_pages(built_site):
        for element in page.elements:
            attributes = LOADING_ATTRIBUTES.get(element.tag, ())
            if element.tag in ("a", "area"):
                attributes = ("href",)
            for reference in references(element, attributes):
                resolved = resolve(built_site, page, reference)
                if resolved is None:
                    continue
                target, fragment = resolved
                where = f"{page.relative}:{element.line} <{element.tag}> {reference!r}"
                if not target.is_file():
                    broken.append(f"{where}: no file {target.relative_to(built_site)}")
                elif fragment and target.suffix == ".html":
                    if fragment not in page_at(built_site, target.relative_to(built_site).as_posix()).anchors:
                        broken.append(f"{where}: no id {fragment!r} in {target.relative_to(built_site)}")
    assert not broken, f"{len(broken)} broken internal references:\n" + "\n".join(broken)


def test_every_image_has_alt_text(built_site: Path) -> None:
    missing = [
        f"{page.relative}:{element.line} <img src={element.attributes.get('src', '')!r}>"
        for page in html_pages(built_site)
        for element in page.elements
        if element.tag == "img" and not element.attributes.get("alt", "").strip()
    ]
    assert not missing, "images without alt text:\n" + "\n".join(missing)


def test_no_page_loads_anything_from_another_host(built_site: Path) -> None:
    offenders = []
    for page in html_pages(built_site):
        for element in page.elements:
            if element.tag == "link" and not is_loading_link(element):
                continue
            for reference in references(element, LOADING_ATTRIBUTES.get(element.tag, ())):
                if is_other_host(reference):
                    offenders.append(f"{page.relative}:{element.line} <{element.tag}> {reference}")
    assert not offenders, "pages load from another host:\n" + "\n".join(offenders)


def test_no_stylesheet_loads_anything_from_another_host(built_site: Path) -> None:
    # Fonts and imports inside CSS are fetched by the browser as well.
    pattern = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])\s*((?:https?:)?//[^'")\s]+)""")
    offenders = [
        f"{stylesheet.relative_to(built_site)}: {match.group(1)}"
        for stylesheet in sorted(built_site.rglob("*.css"))
        for match in pattern.finditer(stylesheet.read_text(encoding="utf-8", errors="replace"))
    ]
    assert not offenders, "stylesheets load from another host:\n" + "\n".join(offenders)


def test_only_api_pages_load_mkdocstrings_stylesheet(built_site: Path) -> None:
    # Each stylesheet holds up a page's first paint; mkdocstrings' styles only what it renders.
    wrong = []
    for page in html_pages(built_site):
        renders_api = any("doc-object" in element.attributes.get("class", "").split() for element in page.elements)
        loads = any(
            element.tag == "link" and element.attributes.get("href", "").endswith("_mkdocstrings.css")
            for element in page.elements
        )
        if renders_api != loads:
            wrong.append(f"{page.relative}: {'renders' if renders_api else 'has no'} API reference, "
                         f"{'loads' if loads else 'does not load'} _mkdocstrings.css")
    assert not wrong, "\n".join(wrong)


# --- pages -------------------------------------------------------------------------------------------------


def test_nav_page_is_built(built_site: Path, nav_page: NavPage | None) -> None:
    assert nav_page is not None, "mkdocs.yml has no nav"
    built = built_site / nav_page.output
    assert built.is_file(), f"{nav_page.source} is in the nav but {nav_page.output} was not built"
    headings = [element for element in page_at(built_site, nav_page.output).elements if element.tag == "h1"]
    assert headings, f"{nav_page.output} has no <h1> title"


def test_notebook_page_offers_its_executed_notebook(built_site: Path, site_nav: list[NavPage]) -> None:
    notebooks = [page for page in site_nav if page.source.endswith(".ipynb")]
    assert notebooks, "the nav lists no notebook page"
    for notebook in notebooks:
        page = page_at(built_site, notebook.output)
        downloads = []
        for element in page.elements:
            if element.tag != "a" or not element.attributes.get("href", "").endswith(".ipynb"):
                continue
            resolved = resolve(built_site, page, element.attributes["href"])
            if resolved and resolved[0].is_file():
                downloads.append(resolved[0])
        assert downloads, f"{notebook.output} has no link to a .ipynb file that exists in the site"
        document = json.loads(downloads[0].read_text(encoding="utf-8"))
        code_cells = [cell for cell in document.get("cells", []) if cell.get("cell_type") == "code"]
        assert code_cells, f"{downloads[0].name} has no code cell"
        assert any(cell.get("outputs") for cell in code_cells), (
            f"{downloads[0].name} is offered unexecuted: no code cell has an output"
        )


def reference_pages(built_site: Path, site_nav: list[NavPage]) -> list[Page]:
    """The API reference's pages (one per module, written at build time by scripts/gen_ref_pages.py)."""
    pages = [page_at(built_site, page.output) for page in site_nav if page.source.startswith("reference/")]
    assert len(pages) > 1, "the nav has no API reference pages under reference/"
    return pages


def test_every_built_api_page_is_in_the_nav(built_site: Path, site_nav: list[NavPage]) -> None:
    # mkdocs-literate-nav reads reference/SUMMARY.md as the section's nav; built as well, it was a page of bare
    # links that no nav entry reached. Every HTML page under reference/ must be one of the nav's pages.
    in_nav = {page.output for page in site_nav if page.source.startswith("reference/")}
    built = {path.relative_to(built_site).as_posix() for path in (built_site / "reference").rglob("*.html")}
    assert in_nav <= built, f"in the nav but not built: {sorted(in_nav - built)}"
    assert built == in_nav, f"built under reference/ but not in the nav: {sorted(built - in_nav)}"


def test_api_reference_documents_every_public_name_once(built_site: Path, site_nav: list[NavPage]) -> None:
    # An entry's id is the path readers import it from, `seqdocs.NAME`, which is how pages link to it.
    found = {name: [page.relative for page in reference_pages(built_site, site_nav) if f"seqdocs.{name}" in page.anchors]
             for name in seqdocs.__all__}
    missing = [name for name, where in found.items() if not where]
    assert not missing, "the API reference has no entry (id seqdocs.NAME) for: " + ", ".join(missing)
    twice = {name: where for name, where in found.items() if len(where) > 1}
    assert not twice, f"documented on more than one page: {twice}"


@pytest.mark.parametrize(("source", "api_name"), sorted(TUTORIAL_API_LINKS.items()))
def test_tutorial_links_into_api_reference(
    built_site: Path, site_nav: list[NavPage], source: str, api_name: str
) -> None:
    # Pages write `[lstm_trace][seqdocs.lstm_trace]`; the link must land on the entry, and the entry link back.
    pages = {page.path: page for page in reference_pages(built_site, site_nav)}
    page = page_at(built_site, nav_page_named(site_nav, source).output)
    for element in page.elements:
        target = resolve(built_site, page, element.attributes.get("href", "")) if element.tag == "a" else None
        if target and target[0] in pages and target[1] == f"seqdocs.{api_name}" and target[1] in pages[target[0]].anchors:
            break
    else:
        pytest.fail(f"{page.relative} has no link to the API entry of {api_name}", pytrace=False)
    backlinks = [resolve(built_site, pages[target[0]], e.attributes.get("href", "")) for e in pages[target[0]].elements
                 if e.tag == "a"]
    assert any(link and link[0] == page.path for link in backlinks), (
        f"the API page {pages[target[0]].relative} has no backlink to {page.relative}")


def included_figures() -> dict[str, list[str]]:
    """Each figure a page includes (its `--8<--` of `generated/<example>/<figure>.md`), by page source."""
    included = {}
    for source in sorted((REPO_ROOT / "docs").glob("*.md")):
        names = re.findall(r'--8<-- "(generated/[\w-]+/[\w-]+)\.md"', source.read_text(encoding="utf-8"))
        included[source.name] = [name + ".svg" for name in names if (REPO_ROOT / "docs" / (name + ".svg")).is_file()]
    return included


def test_every_figure_and_notebook_is_on_the_built_site(built_site: Path, site_nav: list[NavPage]) -> None:
    # A site generator that drops an included file, an image or a notebook page without a word is caught here.
    missing = []
    for page in site_nav:
        if page.source.endswith(".md") and not page.source.startswith("reference/"):
            built = page_at(built_site, page.output)
            shown = {(resolve(built_site, built, e.attributes.get("src", "")) or (None,))[0]
                     for e in built.elements if e.tag == "img"}
            missing += [f"{page.source}: {figure}" for figure in included_figures().get(page.source, [])
                        if built_site / figure not in shown or not (built_site / figure).is_file()]
    assert sum(map(len, included_figures().values())) > 10, "the pages include almost no generated figure"
    notebooks = sorted((REPO_ROOT / "docs" / "generated" / "notebooks").glob("*.ipynb"))
    assert notebooks, "the build wrote no notebook"
    for notebook in notebooks:
        built = built_site / "generated" / "notebooks" / notebook.stem / "index.html"
        if not built.is_file() or "jp-OutputArea" not in built.read_text(encoding="utf-8"):
            missing.append(f"notebook page {notebook.stem} (with its outputs)")
    assert not missing, "missing from the built site:\n" + "\n".join(missing)
