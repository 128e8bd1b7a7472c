"""scripts/hooks_template_cache.py: what a `mkdocs serve` rebuild may reuse. It may never keep a stale result."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import hooks_template_cache  # noqa: E402


def test_serve_keeps_nothing_from_a_rebuild_that_warned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hooks_template_cache, "made", {("api", "x"): "<p>x</p>"})
    hooks_template_cache.on_pre_build(SimpleNamespace(plugins={}))
    logging.getLogger("mkdocs.test").warning("griffe: no type for a parameter")
    hooks_template_cache.on_post_build(None)
    assert hooks_template_cache.kept == {}
    monkeypatch.setattr(hooks_template_cache, "made", {("api", "x"): "<p>x</p>"})
    hooks_template_cache.on_pre_build(SimpleNamespace(plugins={}))
    hooks_template_cache.on_post_build(None)
    assert hooks_template_cache.kept == {("api", "x"): "<p>x</p>"}
