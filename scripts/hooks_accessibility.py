"""mkdocs hook: give Material's search dialog the accessible name its template leaves out.

Material writes the search box as `<div class="md-search" role="dialog">` with no name, so a screen reader
announces "dialog" and nothing more (axe's rule `aria-dialog-name`, which the browser tests run).

Why it stays: no Material option names the dialog (checked in 9.8.2); the alternative, a theme override, would
copy `partials/search.html` (42 lines in 9.8.2, which writes `role="dialog"` with no name) to add one attribute.
"""

from __future__ import annotations

SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog">'
NAMED_SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog" aria-label="Search">'


def on_post_page(output: str, page, config) -> str:
    """Name the search dialog on every page (Material draws it on each)."""
    return output.replace(SEARCH_DIALOG, NAMED_SEARCH_DIALOG, 1)
