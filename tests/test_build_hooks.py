"""The build's keeping hooks: scripts/hooks_up_to_date.py (a no-op `mkdocs build` stops at once) and
scripts/hooks_template_cache.py (what a `mkdocs serve` rebuild may reuse). Neither may ever keep a stale result."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import hooks_template_cache  # noqa: E402
import hooks_up_to_date  # noqa: E402


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small project with a built site folder, as the hook sees it."""
    for name, text in {"mkdocs.yml": "site_name: t\n", "docs/index.md": "# Hi\n", "seqdocs/rnn.py": "x = 1\n",
                       "site/index.html": "<p>built</p>"}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    monkeypatch.setattr(hooks_up_to_date, "ROOT", tmp_path)
    monkeypatch.setattr(hooks_up_to_date, "KEY", tmp_path / "build" / "key")
    return tmp_path


def config(project: Path, **options) -> SimpleNamespace:
    return SimpleNamespace(**{"site_url": "https://x/", "site_dir": str(project / "site"), "strict": True,
                              "use_directory_urls": True, **options})


def build(project: Path, command: str = "build", **options) -> bool:
    """Run the hook's events of one build; whether it stopped the build as up to date."""
    hooks_up_to_date.on_startup(command, dirty=False)
    try:
        hooks_up_to_date.on_config(config(project, **options))
    except hooks_up_to_date.UpToDate as stop:
        assert stop.exit_code == 0
        return True
    hooks_up_to_date.on_post_build(config(project, **options))
    return False


def test_a_build_of_the_same_inputs_stops_and_any_change_builds(project: Path) -> None:
    assert not build(project)
    assert build(project)
    for change in (lambda: (project / "docs/index.md").write_text("# Hello\n"),
                   lambda: (project / "seqdocs/rnn.py").write_text("x = 2\n"),
                   lambda: (project / "docs/new.md").write_text("new"),
                   lambda: (project / "mkdocs.yml").write_text("site_name: u\n")):
        change()
        assert not build(project)
        assert build(project)
    assert not build(project, site_url="https://elsewhere/")  # SITE_URL changes the site
    assert not build(project, strict=False) and not build(project)  # a strict build never trusts a lax one


def test_never_stops_serve_or_a_build_without_its_site(project: Path) -> None:
    assert not build(project)
    assert not build(project, command="serve")
    (project / "site/index.html").unlink()
    assert not build(project)


def test_a_build_that_warned_or_failed_keeps_no_key(project: Path) -> None:
    hooks_up_to_date.on_startup("build", dirty=False)
    hooks_up_to_date.on_config(config(project))
    logging.getLogger("mkdocs.test").warning("a broken link")
    hooks_up_to_date.on_post_build(config(project))
    assert not build(project)  # the warning is logged again, so --strict fails again
    hooks_up_to_date.on_startup("build", dirty=False)
    hooks_up_to_date.on_config(config(project, site_url="https://other/"))  # ...and this build never finishes
    assert not build(project, site_url="https://other/")


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
