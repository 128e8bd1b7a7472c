"""scripts/hooks_theme_html.py: the search dialog gets its name, and only API pages keep mkdocstrings' stylesheet."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import hooks_theme_html  # noqa: E402 - scripts/ is not a package

HEAD = '<link rel="stylesheet" href="../assets/_mkdocstrings.css">\n<link rel="stylesheet" href="../stylesheets/extra.css">\n'
SEARCH = '<div class="md-search" data-md-component="search" role="dialog">'


def test_a_tutorial_page_loses_the_stylesheet_and_its_search_dialog_is_named() -> None:
    fixed = hooks_theme_html.on_post_page(HEAD + SEARCH + "<p>The RNN reads a b c.</p>", None, None)
    assert "_mkdocstrings.css" not in fixed and "extra.css" in fixed
    assert 'role="dialog" aria-label="Search">' in fixed


def test_an_api_page_and_404_keep_what_they_use() -> None:
    api = hooks_theme_html.on_post_page(HEAD + SEARCH + '<div class="doc doc-object doc-function">', None, None)
    assert "_mkdocstrings.css" in api and 'aria-label="Search"' in api
    missing = hooks_theme_html.on_post_template(HEAD + SEARCH, "404.html", None)
    assert "_mkdocstrings.css" not in missing and 'aria-label="Search"' in missing
