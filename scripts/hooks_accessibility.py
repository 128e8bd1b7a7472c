"""mkdocs hook: give Material's search dialog the accessible name its template leaves out.

Material writes the search box as `<div class="md-search" role="dialog">` with no name, so a screen reader
announces "dialog" and nothing more (axe's rule `aria-dialog-name`, which the browser tests run). Overriding
the theme's template for one attribute would copy a whole partial that changes with every Material release;
adding the attribute to the built page does not.
"""

from __future__ import annotations

SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog">'
NAMED_SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog" aria-label="Search">'


def on_post_page(output: str, page, config) -> str:
    """Name the search dialog on every page (Material draws it on each)."""
    return output.replace(SEARCH_DIALOG, NAMED_SEARCH_DIALOG, 1)
