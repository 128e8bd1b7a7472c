"""Run the site's examples, snippets and notebooks and write what they make into `docs/generated/`, cached.

    python scripts/build_artifacts.py [--force] [--only NAME] [--jobs N] [--output DIR]

The mkdocs hook (`scripts/hooks_artifacts.py`) calls [build_all][] before every build, so `mkdocs build` and
`mkdocs serve` on a fresh clone show the complete site. Three kinds of unit feed the pages:

| unit                                   | runs as                                 | writes into `docs/generated/`            |
| -------------------------------------- | --------------------------------------- | ---------------------------------------- |
| example `scripts/examples/<name>.py`   | its `build(out)` (`examples/_artifacts.py`) | `<name>/`: figures, snippets, values |
| snippet `scripts/snippets/<name>.py`   | `python <name>.py` in an empty folder   | `snippets/<name>.md`: the code, its output |
| notebook `scripts/notebooks/<name>.py` | jupytext percent format, run by nbclient | `notebooks/<name>.ipynb`, executed       |

Files starting with `_` are helpers, not units.

**Cache.** Each unit has a key: the SHA-256 of its source, of the local helpers it imports, of the `seqdocs`
modules it uses (found by reading its imports and its `seqdocs.<name>` uses with `ast`, then the package's
own imports; anything unclear counts as the whole package), of this script, of `_artifacts.py` and
`_render.py` for examples, and of the Python, torch, NumPy and matplotlib versions (for notebooks also
nbclient's, nbformat's, jupytext's and ipykernel's). The key is kept in a manifest next to the unit's output
(`.manifest.json` in an example's folder, `.<name>.manifest.json` beside a snippet or notebook; mkdocs
ignores dot-files). A unit whose key and files are all in place is not run, and a build where every unit is
cached writes nothing at all: `mkdocs serve` watches `docs/`, and a write would start another build.

**Atomic.** A unit writes into a fresh staging folder inside the output folder, which is swapped into place
only once the unit has succeeded. A unit that fails leaves no output at all: its staging folder is deleted
and so is its previous output, so no page can show numbers from an older version of the code. The other
units still run and are kept; then the build raises [BuildError][], naming every failed unit with its error.
Outputs of units that no longer exist are removed.

**Parallel and reproducible.** Stale units run in separate processes, two at a time by default, each with
one torch thread, `PYTHONHASHSEED=0` and fixed seeds, so two clean builds write byte-identical files. Where
the platform can fork, an example or snippet runs in a fresh fork of a warm Python that has already imported
torch and matplotlib (`scripts/warm_python.py`), which saves each of them about two seconds of imports; a
notebook runs on a kernel of its own.
An example may declare `NONDETERMINISTIC = True` at module level (it measures wall time, say): it is not
expected to reproduce, the summary says so, and it runs alone after the others so its timings are not
disturbed.
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import contextlib
import functools
import hashlib
import importlib.util
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
THIS_SCRIPT = Path(__file__).resolve()
WARM_PYTHON = THIS_SCRIPT.with_name("warm_python.py")

DEFAULT_JOBS = 2
UNIT_TIMEOUT_SECONDS = 1800
"""A unit running longer than this (half an hour) has hung: it fails."""
CELL_TIMEOUT_SECONDS = 600
"""The longest one notebook cell may run."""
PROGRESS_AFTER_SECONDS = 1.0
"""A unit still running after this long gets a progress line."""
PROGRESS_EVERY_SECONDS = 15.0
"""And another one this often while it keeps running."""

KINDS = ("example", "snippet", "notebook")
SOURCE_FOLDERS = {"example": "scripts/examples", "snippet": "scripts/snippets", "notebook": "scripts/notebooks"}
SHARED_FOLDERS = {"snippet": "snippets", "notebook": "notebooks"}
"""Snippets and notebooks share one output folder per kind; each example has its own."""
OUTPUT_SUFFIXES = {"snippet": ".md", "notebook": ".ipynb"}
HARNESS = ("_artifacts.py", "_render.py")
"""What runs every example: part of every example's key."""
PACKAGE = "seqdocs"
MARKER = ".seqdocs-generated"
"""Marks a folder as this build's output: only such a folder (or an empty or new one) is ever cleaned."""
MANIFEST = ".manifest.json"
LOCK = ".lock"
"""Held while a build runs: a second build on the same folder waits instead of deleting the first one's staging."""

RUNTIME_PACKAGES = {
    "example": ("torch", "numpy", "matplotlib"),
    "snippet": ("torch", "numpy", "matplotlib"),
    "notebook": (
        "torch", "numpy", "matplotlib", "nbclient", "nbformat", "jupytext", "ipykernel", "matplotlib-inline",
    ),
}
"""Packages whose version goes into a unit's key: a new torch may print other numbers."""


class BuildError(RuntimeError):
    """One or more units failed, or the build was asked for something impossible; the message says which."""


@dataclass(frozen=True)
class Unit:
    """One example, snippet or notebook.

    Attributes:
        kind: "example", "snippet" or "notebook".
        name: The source's file name without `.py`.
        source: The source file.
        nondeterministic: The source declares `NONDETERMINISTIC = True`: its output differs from run to run.
    """

    kind: str
    name: str
    source: Path
    nondeterministic: bool = False

    @property
    def label(self) -> str:
        """How messages name the unit, e.g. "example lstm"."""
        return f"{self.kind} {self.name}"


@dataclass(frozen=True)
class Project:
    """Where the units' sources are and where their output goes.

    Attributes:
        root: The project root, holding `scripts/` and the `seqdocs/` package.
        output: The folder the build owns, normally `docs/generated`.
        url_prefix: The output folder as a path relative to `docs/`, for the links in figures' Markdown.
    """

    root: Path
    output: Path
    url_prefix: str = "generated"

    def source_folder(self, kind: str) -> Path:
        return self.root / SOURCE_FOLDERS[kind]

    def manifest(self, unit: Unit) -> Path:
        """Where the unit's cache key is kept."""
        if unit.kind == "example":
            return self.output / unit.name / MANIFEST
        return self.output / SHARED_FOLDERS[unit.kind] / f".{unit.name}.manifest.json"

    def output_file(self, unit: Unit) -> Path:
        """The one file a snippet or notebook writes."""
        return self.output / SHARED_FOLDERS[unit.kind] / f"{unit.name}{OUTPUT_SUFFIXES[unit.kind]}"

    def outputs(self, unit: Unit) -> list[Path]:
        """Everything the unit's last run wrote, manifest included (nothing if it never ran)."""
        if unit.kind == "example":
            folder = self.output / unit.name
            return [folder] if folder.exists() else []
        return [path for path in (self.output_file(unit), self.manifest(unit)) if path.exists()]


@dataclass
class BuildReport:
    """What a build did.

    Attributes:
        ran: Each unit that ran, with its seconds, in the order they finished.
        cached: Units whose output was already up to date.
        removed: Outputs removed because their unit no longer exists.
        nondeterministic: Units declaring NONDETERMINISTIC (run or cached).
        seconds: The whole build, in seconds.
    """

    ran: list[tuple[Unit, float]] = field(default_factory=list)
    cached: list[Unit] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    nondeterministic: list[Unit] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        """Two or three lines for a person: what ran and how long each took, what came from the cache."""
        if self.ran:
            slowest_first = sorted(self.ran, key=lambda item: -item[1])
            each = ", ".join(f"{unit.label} {seconds:.1f} s" for unit, seconds in slowest_first)
            lines = [f"artifacts: ran {len(self.ran)} in {self.seconds:.1f} s ({each}); {len(self.cached)} from cache"]
        else:
            lines = [f"artifacts: all {len(self.cached)} units from cache ({self.seconds:.2f} s)"]
        if self.removed:
            lines.append("artifacts: removed stale output " + ", ".join(self.removed))
        if self.nondeterministic:
            names = ", ".join(unit.label for unit in self.nondeterministic)
            lines.append(f"artifacts: not reproducible byte for byte (NONDETERMINISTIC): {names}")
        return "\n".join(lines)


# --- finding units -----------------------------------------------------------------------------------------


def _declares_nondeterministic(tree: ast.Module | None) -> bool:
    if tree is None:
        return False
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        value = getattr(node, "value", None)
        for target in targets:
            if isinstance(target, ast.Name) and target.id == "NONDETERMINISTIC":
                return isinstance(value, ast.Constant) and value.value is True
    return False


_parsed: dict[tuple[Path, int, int], ast.Module | None] = {}


def _parse(path: Path) -> ast.Module | None:
    """The file's syntax tree, or None if it does not parse (it will fail when it runs, which says why).

    Kept while the file is unchanged: many units read the same package modules.
    """
    status = path.stat()
    version = (path, status.st_mtime_ns, status.st_size)
    if version not in _parsed:
        try:
            _parsed[version] = ast.parse(path.read_bytes(), filename=str(path))
        except (SyntaxError, ValueError):
            _parsed[version] = None
    return _parsed[version]


def discover_units(project: Project) -> list[Unit]:
    """Every unit, in a fixed order: examples, snippets, notebooks, each by name.

    Raises:
        BuildError: If an example's name would collide with the snippets' or notebooks' output folder.
    """
    units = []
    for kind in KINDS:
        folder = project.source_folder(kind)
        if not folder.is_dir():
            continue
        for source in sorted(folder.glob("*.py")):
            if source.name.startswith("_"):
                continue
            if kind == "example" and source.stem in SHARED_FOLDERS.values():
                raise BuildError(f"example {source.stem!r}: that name is the output folder of all {source.stem}")
            units.append(Unit(kind, source.stem, source, _declares_nondeterministic(_parse(source))))
    return units


def select_units(units: list[Unit], only: Iterable[str] | None) -> list[Unit]:
    """The units `--only` asks for: `NAME` picks every kind of unit with that name, `KIND:NAME` one.

    Raises:
        BuildError: If a name matches no unit.
    """
    if not only:
        return units
    chosen = []
    for wanted in only:
        kind, _, name = wanted.rpartition(":")
        matches = [unit for unit in units if unit.name == name and kind in ("", unit.kind)]
        if not matches:
            known = ", ".join(unit.label for unit in units)
            raise BuildError(f"--only {wanted}: no such unit (there are: {known})")
        chosen += [unit for unit in matches if unit not in chosen]
    return chosen


# --- cache keys --------------------------------------------------------------------------------------------


@dataclass
class PackageIndex:
    """Which `seqdocs` module defines each public name, and which modules each module imports.

    Attributes:
        folder: The package folder (may not exist: then nothing depends on it).
        modules: Module name (e.g. `seqdocs.lstm`) to file.
        exports: Names `seqdocs/__init__.py` imports from a submodule, to that submodule's name.
    """

    folder: Path
    modules: dict[str, Path] = field(default_factory=dict)
    exports: dict[str, str] = field(default_factory=dict)
    _imports: dict[str, set[str] | None] = field(default_factory=dict)

    @classmethod
    def read(cls, folder: Path) -> PackageIndex:
        index = cls(folder)
        if not (folder / "__init__.py").is_file():
            return index
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(folder.parent).with_suffix("").parts
            index.modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
        tree = _parse(folder / "__init__.py")
        for node in tree.body if tree else []:
            if isinstance(node, ast.ImportFrom):
                module = index.absolute(node, PACKAGE, is_package=True)
                if module in index.modules:
                    for alias in node.names:
                        index.exports[alias.asname or alias.name] = module
        return index

    def absolute(self, node: ast.ImportFrom, importer: str, is_package: bool) -> str | None:
        """The absolute module name a `from ... import` statement inside the package reads from."""
        if node.level == 0:
            return node.module
        base = importer.split(".") if is_package else importer.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        return ".".join(base + ([node.module] if node.module else []))

    def resolve(self, name: str) -> set[str] | None:
        """The modules that `seqdocs.<name>` comes from; None if unknown (then count the whole package)."""
        if f"{PACKAGE}.{name}" in self.modules:
            return {f"{PACKAGE}.{name}"}
        if name in self.exports:
            return {self.exports[name]}
        if name in ("__version__", "__all__", "__doc__"):
            return {PACKAGE}
        return None

    def imports_of(self, module: str) -> set[str] | None:
        """The package modules one module imports; None if it imports the package in a way not followed."""
        if module not in self._imports:
            self._imports[module] = self._find_imports(module)
        return self._imports[module]

    def _find_imports(self, module: str) -> set[str] | None:
        path = self.modules[module]
        tree = _parse(path)
        if tree is None:
            return None
        found: set[str] = set()
        for node in _names(tree).imports:
            if isinstance(node, ast.ImportFrom):
                source = self.absolute(node, module, is_package=path.name == "__init__.py")
                if source == PACKAGE:
                    for alias in node.names:
                        resolved = self.resolve(alias.name)
                        if resolved is None:
                            return None
                        found |= resolved
                elif source and source.startswith(PACKAGE + "."):
                    if source not in self.modules:
                        return None
                    found.add(source)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith(PACKAGE + "."):
                        found.add(alias.name)
                    elif alias.name == PACKAGE:
                        return None
        return found

    def closure(self, modules: set[str] | None) -> list[Path]:
        """The files of these modules and of every package module they import, `__init__.py` always included.

        `__init__.py`'s own imports are not followed: a name it re-exports resolves to the module defining it.
        """
        if not self.modules:
            return []
        if modules is None:
            return sorted(self.modules.values())
        seen = {PACKAGE}
        pending = [module for module in modules if module != PACKAGE]
        while pending:
            module = pending.pop()
            if module in seen:
                continue
            if module not in self.modules:
                return sorted(self.modules.values())
            seen.add(module)
            imported = self.imports_of(module)
            if imported is None:
                return sorted(self.modules.values())
            pending += sorted(imported - seen)
        return sorted(self.modules[module] for module in seen)


@dataclass(frozen=True)
class _Names:
    """What the cache key needs from one file's syntax tree, gathered in a single walk."""

    imports: list[ast.Import | ast.ImportFrom]
    attributes: list[ast.Attribute]  # attribute reads on a plain name, like `seqdocs.lstm_trace`
    names: list[ast.Name]


_names_of: dict[int, _Names] = {}


def _names(tree: ast.Module) -> _Names:
    if id(tree) not in _names_of:  # trees are kept in _parsed, so their ids stay theirs
        found = _Names([], [], [])
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found.imports.append(node)
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                found.attributes.append(node)
            elif isinstance(node, ast.Name):
                found.names.append(node)
        _names_of[id(tree)] = found
    return _names_of[id(tree)]


def package_uses(tree: ast.Module | None, index: PackageIndex) -> set[str] | None:
    """The `seqdocs` modules a unit's code uses; None for "the whole package" (or if unsure).

    `from seqdocs import lstm_trace` and `seqdocs.lstm_trace(...)` both resolve to `seqdocs.lstm`, the
    submodule `seqdocs/__init__.py` imports `lstm_trace` from. Any other use of the `seqdocs` name (passing
    the module around, `getattr`) counts as using all of it.
    """
    if tree is None:
        return None
    names = _names(tree)
    used: set[str] = set()
    aliases: set[str] = set()
    for node in names.imports:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == PACKAGE or alias.name.startswith(PACKAGE + "."):
                    used.add(PACKAGE if alias.name == PACKAGE else alias.name)
                    aliases.add(alias.asname or PACKAGE)
        elif node.level == 0 and node.module == PACKAGE:
            for alias in node.names:
                resolved = index.resolve(alias.name)
                if resolved is None:
                    return None
                used |= resolved
        elif node.level == 0 and node.module and node.module.startswith(PACKAGE + "."):
            used.add(node.module)
    if not aliases:
        return used
    attribute_owners = set()
    for node in names.attributes:
        if node.value.id in aliases:
            attribute_owners.add(id(node.value))
            resolved = index.resolve(node.attr)
            if resolved is None:
                return None
            used |= resolved
    if any(node.id in aliases and id(node) not in attribute_owners for node in names.names):
        return None  # the module itself is handed on: anything in it may be used
    return used


def local_helpers(source: Path) -> list[Path]:
    """The modules next to `source` that it imports, and the ones they import, in name order."""
    found: set[Path] = set()
    pending = [source]
    while pending:
        tree = _parse(pending.pop())
        for node in _names(tree).imports if tree else []:
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                modules = [node.module] if node.level == 0 and node.module else []
            for module in modules:
                candidate = source.parent / f"{module.split('.')[0]}.py"
                if candidate != source and candidate not in found and candidate.is_file():
                    found.add(candidate)
                    pending.append(candidate)
    return sorted(found)


@functools.lru_cache(maxsize=None)
def _version(distribution: str) -> str:
    # Read once per process: reading a distribution's metadata scans site-packages, and every unit asks. A
    # package upgraded while `mkdocs serve` runs is not noticed until the server restarts, which it needs anyway
    # to import the new version itself.
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "absent"


def runtime_versions(kind: str) -> str:
    """The interpreter and package versions a unit's output may depend on, as one line."""
    packages = " ".join(f"{name}={_version(name)}" for name in RUNTIME_PACKAGES[kind])
    return f"python={sys.version.split()[0]} {platform.machine()} {packages}"


def dependencies(unit: Unit, project: Project, index: PackageIndex) -> list[Path]:
    """Every file besides the unit's own source whose content goes into its key."""
    helpers = local_helpers(unit.source)
    if unit.kind == "example":
        helpers = sorted(set(helpers) | {project.source_folder("example") / name for name in HARNESS})
    uses: set[str] | None = set()
    # The harness reads only seqdocs' version, which its metadata gives, not its source.
    for path in [unit.source, *(helper for helper in helpers if helper.name not in HARNESS)]:
        found = package_uses(_parse(path), index)
        uses = None if found is None or uses is None else uses | found
    package_files = index.closure(uses) if uses is None or uses else []
    return [path for path in helpers if path.is_file()] + package_files


def cache_key(unit: Unit, project: Project, index: PackageIndex) -> str:
    """The SHA-256 (hex) of everything the unit's output depends on; see the module docstring."""
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode() + data)

    add("build script", THIS_SCRIPT.read_bytes())
    add("warm python", WARM_PYTHON.read_bytes())
    add("unit", f"{unit.kind} {unit.name} {project.url_prefix}".encode())
    add("source", unit.source.read_bytes())
    for path in dependencies(unit, project, index):
        add(path.relative_to(project.root).as_posix() if path.is_relative_to(project.root) else str(path), path.read_bytes())
    add("versions", runtime_versions(unit.kind).encode())
    return digest.hexdigest()


def _read_manifest(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def is_fresh(unit: Unit, key: str, project: Project) -> bool:
    """Whether the unit's output was written with this key and every file it wrote is still there."""
    manifest = _read_manifest(project.manifest(unit))
    if manifest.get("key") != key:
        return False
    folder = project.manifest(unit).parent
    return all((folder / name).is_file() for name in manifest.get("files", []))


# --- running units -----------------------------------------------------------------------------------------


def unit_environment(project: Project, kind: str) -> dict[str, str]:
    """The environment a unit runs in: fixed hashing, one thread, the project's own `seqdocs` first."""
    environment = dict(os.environ)
    environment.update(
        PYTHONHASHSEED="0",
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
        # mkdocs serve watches scripts/ and seqdocs/: a new __pycache__ there would start another build.
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONIOENCODING="utf-8",
        PYTHONPATH=os.pathsep.join(filter(None, [str(project.root), os.environ.get("PYTHONPATH")])),
    )
    if kind == "notebook":
        environment.pop("MPLBACKEND", None)  # the kernel chooses its inline backend only when this is unset
    else:
        environment["MPLBACKEND"] = "Agg"
    return environment


def _tail(text: str, lines: int = 60) -> str:
    kept = text.rstrip().splitlines()[-lines:]
    return "\n".join("    " + line for line in kept)


def _fence(text: str) -> str:
    """A code fence longer than any run of backticks in the text, so the text cannot close it."""
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    return "`" * max(3, longest + 1)


def snippet_markdown(name: str, source: str, output: str) -> str:
    """A snippet's page material: its exact source as a Python block, then its exact output (if any)."""
    blocks = []
    for language, title, text in (("python", f"{name}.py", source), ("text", "Output", output)):
        if language == "text" and not text:
            continue
        fence = _fence(text)
        body = text if text.endswith("\n") else text + "\n"
        blocks.append(f'{fence}{language} title="{title}"\n{body}{fence}\n')
    return "\n".join(blocks)


def _load_warm_python() -> ModuleType:
    # By path, as mkdocs loads this script: scripts/ is not a package, and `mkdocs serve` must see edits.
    spec = importlib.util.spec_from_file_location("seqdocs_warm_python", WARM_PYTHON)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class WarmPythons:
    """Warm Python processes for the units that run as scripts: started when needed, one per unit running.

    Args:
        environment: Their environment, which the units they run inherit.
    """

    def __init__(self, environment: dict[str, str]) -> None:
        self._environment = environment
        self._module = _load_warm_python()
        self._idle: list = []
        self._started: list = []
        self._closed = False
        self._lock = threading.Lock()

    def run(self, argv: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess:
        """Run `python *argv` in a fresh fork of an idle warm process (see `scripts/warm_python.py`).

        Raises:
            subprocess.TimeoutExpired: If it runs longer than `timeout` seconds.
        """
        with self._lock:
            if self._closed:
                raise BuildError("the build was stopped")
            python = self._idle.pop() if self._idle else None
            if python is None:
                python = self._module.WarmPython(self._environment)
                self._started.append(python)
        try:
            completed = python.run(argv, cwd, timeout)
        except self._module.ScriptTimeout:
            raise subprocess.TimeoutExpired(argv, timeout) from None  # and the killed process is not reused
        with self._lock:
            self._idle.append(python)
        return completed

    def close(self) -> None:
        """Stop every warm process, and any unit still running in one (after an interrupt, say)."""
        with self._lock:
            self._closed = True
            started = list(self._started)
        for python in started:
            python.close(kill=True)


def run_unit(unit: Unit, project: Project, staging: Path, warm: WarmPythons | None = None) -> None:
    """Run one unit in a process of its own and leave its output in `staging`.

    Args:
        warm: Runs examples and snippets in fresh forks of a warm Python; without it, or for a notebook,
            the unit runs in a new interpreter.

    Raises:
        BuildError: If it fails or times out; the message holds the end of what it printed to stderr.
    """
    environment = unit_environment(project, unit.kind)
    with tempfile.TemporaryDirectory(prefix=f"seqdocs-{unit.name}-") as workdir:
        if unit.kind == "snippet":
            command = [sys.executable, str(unit.source)]
        else:
            command = [sys.executable, str(THIS_SCRIPT), "--worker", unit.kind, str(unit.source), str(staging),
                       project.url_prefix]
        try:
            if warm is not None and unit.kind != "notebook":
                completed = warm.run(command[1:], Path(workdir), UNIT_TIMEOUT_SECONDS)
            else:
                completed = subprocess.run(
                    command, cwd=workdir, env=environment, capture_output=True, timeout=UNIT_TIMEOUT_SECONDS
                )
        except subprocess.TimeoutExpired:
            raise BuildError(f"{unit.label} ({unit.source}) ran longer than {UNIT_TIMEOUT_SECONDS} s") from None
    stderr = completed.stderr.decode("utf-8", errors="replace")
    if completed.returncode != 0:
        raise BuildError(f"{unit.label} ({unit.source}) failed with exit status {completed.returncode}:\n{_tail(stderr)}")
    if unit.kind == "snippet":
        text = snippet_markdown(unit.name, unit.source.read_text(encoding="utf-8"), completed.stdout.decode("utf-8"))
        (staging / f"{unit.name}.md").write_text(text, encoding="utf-8")


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def install(unit: Unit, project: Project, staging: Path, key: str) -> None:
    """Put a unit's staged output in place of its old one, manifest included."""
    if unit.kind == "example":
        files = sorted(path.name for path in staging.iterdir())
        _write_json(staging / MANIFEST, {"unit": unit.label, "key": key, "files": files})
        target = project.output / unit.name
        if target.exists():
            # Two renames: at no moment is half of the old output mixed with half of the new.
            retired = Path(tempfile.mkdtemp(prefix=f".retired-{unit.name}-", dir=project.output))
            os.replace(target, retired / unit.name)
            os.replace(staging, target)
            shutil.rmtree(retired)
        else:
            os.replace(staging, target)
        return
    produced = staging / project.output_file(unit).name
    if not produced.is_file():
        raise BuildError(f"{unit.label} wrote no {produced.name}")
    project.output_file(unit).parent.mkdir(exist_ok=True)
    _write_json(staging / "manifest", {"unit": unit.label, "key": key, "files": [produced.name]})
    os.replace(produced, project.output_file(unit))
    os.replace(staging / "manifest", project.manifest(unit))
    shutil.rmtree(staging)


def discard(unit: Unit, project: Project) -> None:
    """Remove a failed unit's old output, so no page shows numbers its current code no longer computes."""
    for path in project.outputs(unit):
        _remove(path)


# --- the build ---------------------------------------------------------------------------------------------


def _claim_output(project: Project) -> None:
    """Make sure the output folder is this build's to clean, creating it (with its marker) if needed."""
    output = project.output
    if (output / MARKER).is_file():
        return
    if output.exists() and any(output.iterdir()):
        raise BuildError(
            f"{output} holds files this build did not write (no {MARKER} in it); refusing to clean it. "
            "Empty it or choose another --output."
        )
    output.mkdir(parents=True, exist_ok=True)
    (output / MARKER).write_text("Written by scripts/build_artifacts.py; everything here is rebuilt from scripts/.\n")


@contextlib.contextmanager
def _exclusive(project: Project, report: Callable[[str], None]):
    """Hold the output folder's lock for the duration of the block (where the platform has `fcntl`)."""
    try:
        import fcntl
    except ImportError:  # Windows: no lock; do not run two builds at once there
        yield
        return
    with open(project.output / LOCK, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            report(f"artifacts: waiting for another build of {project.output} to finish")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def remove_stale_outputs(project: Project, units: list[Unit]) -> list[str]:
    """Delete outputs whose unit no longer exists and staging left by an interrupted build.

    Returns:
        The removed outputs' paths relative to the output folder.
    """
    removed = []
    examples = {unit.name for unit in units if unit.kind == "example"}
    for entry in sorted(project.output.iterdir()):
        if entry.name in (MARKER, LOCK):
            continue
        if entry.name.startswith((".staging-", ".retired-")):
            _remove(entry)  # an interrupted build's leftovers; not reported, they were never output
            continue
        if entry.name in SHARED_FOLDERS.values() and entry.is_dir():
            kind = next(kind for kind, folder in SHARED_FOLDERS.items() if folder == entry.name)
            expected = set()
            for unit in units:
                if unit.kind == kind:
                    expected |= {project.output_file(unit).name, project.manifest(unit).name}
            for item in sorted(entry.iterdir()):
                if item.name not in expected:
                    _remove(item)
                    removed.append(f"{entry.name}/{item.name}")
            continue
        if entry.is_dir() and entry.name in examples:
            continue
        _remove(entry)
        removed.append(entry.name)
    return removed


def _run_one(
    unit: Unit, project: Project, key: str, warm: WarmPythons | None, running: dict[Unit, float], lock: threading.Lock,
) -> float:
    """Run a unit and install its output; on failure discard its old output. Returns the seconds it took."""
    start = time.monotonic()
    with lock:
        running[unit] = start
    staging = Path(tempfile.mkdtemp(prefix=f".staging-{unit.kind}-{unit.name}-", dir=project.output))
    staging.chmod(0o755)  # mkdtemp makes it private; it becomes an ordinary folder of the docs
    try:
        run_unit(unit, project, staging, warm)
        install(unit, project, staging, key)
    except BaseException:
        _remove(staging)
        discard(unit, project)
        raise
    finally:
        with lock:
            running.pop(unit, None)
    return time.monotonic() - start


def _run_batch(
    units: list[Unit],
    project: Project,
    keys: dict[Unit, str],
    jobs: int,
    warm: WarmPythons | None,
    report: Callable[[str], None],
) -> tuple[list[tuple[Unit, float]], list[str]]:
    """Run units `jobs` at a time, with progress lines; returns what ran and the failures' messages."""
    ran: list[tuple[Unit, float]] = []
    failures: list[str] = []
    running: dict[Unit, float] = {}
    lock = threading.Lock()
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(_run_one, unit, project, keys[unit], warm, running, lock): unit for unit in units}
        pending = set(futures)
        try:
            _report_until_done(futures, pending, running, lock, ran, failures, report)
        except BaseException:
            # Interrupted (Ctrl-C reaches this thread only): start no more units, and stop those running in
            # warm processes, whose process group the terminal does not signal, rather than wait for them.
            for future in futures:
                future.cancel()
            if warm is not None:
                warm.close()
            raise
    return ran, failures


def _report_until_done(
    futures: dict[concurrent.futures.Future, Unit],
    pending: set[concurrent.futures.Future],
    running: dict[Unit, float],
    lock: threading.Lock,
    ran: list[tuple[Unit, float]],
    failures: list[str],
    report: Callable[[str], None],
) -> None:
    """Collect finished units into `ran` or `failures`, saying what is still running, until none is."""
    last_said: dict[Unit, float] = {}
    while pending:
        done, pending = concurrent.futures.wait(pending, timeout=0.5, return_when=concurrent.futures.FIRST_COMPLETED)
        for future in sorted(done, key=lambda future: futures[future].label):
            unit = futures[future]
            try:
                seconds = future.result()
            except BuildError as error:
                failures.append(str(error))
                report(f"  FAILED {unit.label}")
                continue
            except Exception as error:  # a bug here, not in the unit: still say which unit it hit
                failures.append(f"{unit.label}: {type(error).__name__}: {error}")
                report(f"  FAILED {unit.label}")
                continue
            ran.append((unit, seconds))
            report(f"  ran {unit.label} in {seconds:.1f} s")
        now = time.monotonic()
        with lock:
            snapshot = dict(running)
        for unit, start in sorted(snapshot.items(), key=lambda item: item[0].label):
            elapsed = now - start
            said = last_said.get(unit)
            if said is None and elapsed >= PROGRESS_AFTER_SECONDS:
                report(f"  running {unit.label} ...")
                last_said[unit] = now
            elif said is not None and now - said >= PROGRESS_EVERY_SECONDS:
                report(f"  still running {unit.label} ({elapsed:.0f} s)")
                last_said[unit] = now


def build_all(
    root: Path = ROOT,
    output: Path | None = None,
    *,
    force: bool = False,
    only: Iterable[str] | None = None,
    jobs: int = DEFAULT_JOBS,
    url_prefix: str = "generated",
    report: Callable[[str], None] = print,
) -> BuildReport:
    """Bring every unit's output up to date: run what is stale, keep what is cached, remove what is gone.

    Args:
        root: The project root (holding `scripts/` and `seqdocs/`).
        output: The output folder; `<root>/docs/generated` by default. Only a folder this build created
            (or an empty one) is used, since stale files in it are deleted.
        force: Run every selected unit, cached or not.
        only: Run only these units (`NAME` or `KIND:NAME`); the others are left as they are.
        jobs: How many units run at once.
        url_prefix: The output folder relative to `docs/`, for links in generated Markdown.
        report: Called with each progress line and the summary.

    Returns:
        What ran, what was cached and what was removed.

    Raises:
        BuildError: If any unit failed (after the others ran), naming each with the end of its error output.
    """
    project = Project(Path(root).resolve(), Path(output or Path(root) / "docs" / "generated").resolve(), url_prefix)
    units = discover_units(project)
    selected = select_units(units, only)
    _claim_output(project)
    with _exclusive(project, report):
        return _build_locked(project, units, selected, force, jobs, report, time.monotonic())


def _build_locked(
    project: Project,
    units: list[Unit],
    selected: list[Unit],
    force: bool,
    jobs: int,
    report: Callable[[str], None],
    started: float,
) -> BuildReport:
    result = BuildReport(removed=remove_stale_outputs(project, units))
    index = PackageIndex.read(project.root / PACKAGE)
    keys = {unit: cache_key(unit, project, index) for unit in selected}
    stale = [unit for unit in selected if force or not is_fresh(unit, keys[unit], project)]
    result.cached = [unit for unit in selected if unit not in stale]
    result.nondeterministic = [unit for unit in selected if unit.nondeterministic]
    if stale:
        report(f"artifacts: running {len(stale)} of {len(selected)} units, {jobs} at a time")
    # Examples and snippets share one environment, so one set of warm processes serves them all.
    warm = WarmPythons(unit_environment(project, "example")) if hasattr(os, "fork") and stale else None
    try:
        ran, failures = _run_batch(
            [unit for unit in stale if not unit.nondeterministic], project, keys, jobs, warm, report
        )
        # Units that measure time run alone, so that nothing else competes with them for the processor.
        ran_alone, failed_alone = _run_batch(
            [unit for unit in stale if unit.nondeterministic], project, keys, 1, warm, report
        )
    finally:
        if warm is not None:
            warm.close()
    result.ran = ran + ran_alone
    result.seconds = time.monotonic() - started
    failures += failed_alone
    if failures:
        raise BuildError(f"{len(failures)} of {len(stale)} units failed:\n" + "\n".join(failures))
    for line in result.summary().splitlines():
        report(line)
    return result


# --- inside a worker process -------------------------------------------------------------------------------


def _run_example(source: Path, staging: Path, url_prefix: str) -> None:
    """Import an example and write what its `build(out)` makes (runs in a fresh worker process)."""
    import importlib.util

    sys.path.insert(0, str(source.parent))  # as when the example runs on its own
    import _artifacts

    _artifacts.prepare_process()
    spec = importlib.util.spec_from_file_location(f"_example_{source.stem}", source)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    if not callable(getattr(module, "build", None)):
        raise SystemExit(f"{source} defines no build(out) function")
    _artifacts.prepare_torch()
    out = _artifacts.Artifacts(source.stem, url_prefix=url_prefix)
    module.build(out)
    out.write(staging)


def _run_notebook(source: Path, staging: Path) -> None:
    """Convert a jupytext notebook, execute it on this interpreter's kernel and write it (in a worker)."""
    import jupytext
    import nbformat
    from ipykernel.kernelspec import write_kernel_spec
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = jupytext.read(source, fmt="py:percent")
    notebook.metadata.pop("jupytext", None)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.nbformat, notebook.nbformat_minor = 4, 5
    for number, cell in enumerate(notebook.cells, 1):
        cell["id"] = f"cell-{number}"  # jupytext draws random ids; fixed ones keep the file reproducible
    with tempfile.TemporaryDirectory(prefix="seqdocs-kernels-") as jupyter_path:
        # A kernel spec for exactly this interpreter, found first: a user's own "python3" spec may point at
        # a Python without seqdocs.
        write_kernel_spec(Path(jupyter_path) / "kernels" / "python3")
        os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [jupyter_path, os.environ.get("JUPYTER_PATH")]))
        client = NotebookClient(
            notebook,
            kernel_name="python3",
            timeout=CELL_TIMEOUT_SECONDS,
            allow_errors=False,
            record_timing=False,
            resources={"metadata": {"path": os.getcwd()}},
        )
        try:
            client.execute()
        except CellExecutionError as error:
            number = next(
                (number for number, cell in enumerate(notebook.cells, 1)
                 if any(output.get("output_type") == "error" for output in cell.get("outputs", []))),
                "?",
            )
            raise SystemExit(f"notebook {source.name}: cell {number} raised an error:\n{error}") from None
    nbformat.write(notebook, staging / f"{source.stem}.ipynb")


def _worker(arguments: list[str]) -> None:
    kind, source, staging = arguments[0], Path(arguments[1]), Path(arguments[2])
    if kind == "example":
        _run_example(source, staging, arguments[3])
    elif kind == "notebook":
        _run_notebook(source, staging)
    else:
        raise SystemExit(f"no worker for {kind}")


def main(argv: list[str] | None = None) -> int:
    """The command line; see the module docstring."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        _worker(argv[1:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--force", action="store_true", help="run every unit, even if cached")
    parser.add_argument("--only", action="append", metavar="NAME", help="run only this unit (NAME or KIND:NAME); repeatable")
    parser.add_argument("--jobs", type=int, default=DEFAULT_JOBS, help=f"units run at once (default {DEFAULT_JOBS})")
    parser.add_argument("--output", type=Path, help="output folder (default docs/generated)")
    options = parser.parse_args(argv)
    try:
        build_all(force=options.force, only=options.only, jobs=options.jobs, output=options.output,
                  report=lambda line: print(line, flush=True))
    except BuildError as error:
        print(f"build_artifacts: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
