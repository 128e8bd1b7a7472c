"""mkdocs hook: a page loads no stylesheet it does not use, since each one holds up its first paint.

mkdocstrings adds its stylesheet to every page; only the API reference pages use it, so the others lose the
link. (Deferring Material's JavaScript bundle was tried as well: it brought Lighthouse's first paint of the
longer pages forward by half a second but moved the bundle's long tasks into the blocking-time window, and
their performance scores went down, so it is not done.)
"""

from __future__ import annotations

import re

MKDOCSTRINGS_CSS = re.compile(r'<link rel="stylesheet" href="[^"]*assets/_mkdocstrings\.css">\n?')
API_CONTENT = 'class="doc doc-'
"""How mkdocstrings marks what it renders (`<div class="doc doc-object doc-function">`...)."""


def _without_unused_stylesheet(html: str) -> str:
    return html if API_CONTENT in html else MKDOCSTRINGS_CSS.sub("", html, count=1)


def on_post_page(output: str, page, config) -> str:
    """Drop mkdocstrings' stylesheet from a page with no API reference on it."""
    return _without_unused_stylesheet(output)


def on_post_template(output_content: str, template_name: str, config) -> str:
    """The same for the pages mkdocs renders from a bare template, such as 404.html."""
    return _without_unused_stylesheet(output_content)
