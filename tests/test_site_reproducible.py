"""The real site's generated material, not a toy project's: a clean rebuild writes the same bytes, and a
second build with nothing changed runs nothing. (tests/test_build_system.py tests the mechanism itself.)"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "docs" / "generated"


def load_build_script():
    spec = importlib.util.spec_from_file_location("build_artifacts", ROOT / "scripts" / "build_artifacts.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_artifacts", module)
    spec.loader.exec_module(module)
    return module


def published_files(folder: Path, skip_folders: set[str]) -> dict[str, bytes]:
    """Every file a page can include, by path; the build's own dot-files (manifests, lock) are left out."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
        and path.relative_to(folder).parts[0] not in skip_folders
    }


@pytest.mark.slow
def test_a_clean_rebuild_writes_the_same_bytes(built_site: Path, tmp_path: Path) -> None:
    build = load_build_script()
    units = build.discover_units(build.Project(ROOT, GENERATED))
    deterministic = [f"{unit.kind}:{unit.name}" for unit in units if not unit.nondeterministic]
    timed = {unit.name for unit in units if unit.nondeterministic}
    assert len(deterministic) >= 20, "expected every example, snippet and notebook of the site"
    clean = tmp_path / "generated"
    build.build_all(ROOT, clean, force=True, only=deterministic, report=lambda line: None)

    site_files = published_files(GENERATED, skip_folders=timed)
    rebuilt = published_files(clean, skip_folders=timed)
    assert sorted(rebuilt) == sorted(site_files)
    differing = [name for name in site_files if site_files[name] != rebuilt[name]]
    assert not differing, f"a clean rebuild wrote other bytes into {differing}"


@pytest.mark.slow
def test_a_second_build_runs_nothing_and_writes_nothing(built_site: Path) -> None:
    build = load_build_script()
    before = {path: path.stat().st_mtime_ns for path in GENERATED.rglob("*")}
    report = build.build_all(ROOT, GENERATED, report=lambda line: None)
    assert report.ran == [], f"ran again with nothing changed: {[unit.label for unit, _ in report.ran]}"
    after = {path: path.stat().st_mtime_ns for path in GENERATED.rglob("*") if path.name != ".lock"}
    assert after == {path: mtime for path, mtime in before.items() if path.name != ".lock"}
