"""mkdocs hook: two corrections to the HTML that Material and mkdocstrings write, on every page and on 404.html.

- Material's search dialog, `<div class="md-search" ... role="dialog">`, gets the accessible name its template
  leaves out (axe's rule `aria-dialog-name`, which the browser tests run). No Material option names it (9.8.2);
  a theme override would copy `partials/search.html` (42 lines) to add one attribute.
- A page without API reference loses the link to mkdocstrings' stylesheet, which mkdocstrings adds to every
  page and which holds up its first paint. (Deferring Material's JavaScript bundle was tried too: it brought
  Lighthouse's first paint of the longer pages forward by half a second but moved the bundle's long tasks into
  the blocking-time window, and their performance scores went down, so it is not done.)
"""

from __future__ import annotations

import re

SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog">'
NAMED_SEARCH_DIALOG = SEARCH_DIALOG.replace(">", ' aria-label="Search">')
MKDOCSTRINGS_CSS = re.compile(r'<link rel="stylesheet" href="[^"]*assets/_mkdocstrings\.css">\n?')
API_CONTENT = 'class="doc doc-'
"""How mkdocstrings marks what it renders (`<div class="doc doc-object doc-function">`...)."""


def on_post_template(output_content: str, template_name: str, config) -> str:
    """Both corrections on a page mkdocs renders from a bare template, such as 404.html."""
    output = output_content.replace(SEARCH_DIALOG, NAMED_SEARCH_DIALOG, 1)
    return output if API_CONTENT in output else MKDOCSTRINGS_CSS.sub("", output, count=1)


def on_post_page(output: str, page, config) -> str:
    """Both corrections on every page."""
    return on_post_template(output, "", config)
