"""Run the site's examples, snippets and notebooks and write what they make into `docs/generated/`, cached.

    python scripts/build_artifacts.py [--force] [--only NAME] [--jobs N] [--output DIR] [--which FILE]

`scripts/site.sh` runs it before the site generator; the mkdocs hook `scripts/hooks_artifacts.py` runs it
again before each build, so `mkdocs serve` on a fresh clone shows the complete site. Three kinds of unit:

| unit                                   | runs as                                     | writes into `docs/generated/`              |
| -------------------------------------- | ------------------------------------------- | ------------------------------------------ |
| example `scripts/examples/<name>.py`   | its `build(out)` (`examples/_artifacts.py`) | `<name>/`: figures, snippets, values       |
| snippet `scripts/snippets/<name>.py`   | `python <name>.py` in an empty folder       | `snippets/<name>.md`: the code, its output |
| notebook `scripts/notebooks/<name>.py` | jupytext percent format, run by nbclient    | `notebooks/<name>.ipynb`, executed         |

Files starting with `_` are helpers, not units.

**Cache.** A unit's key is the SHA-256 of its source, the local helpers it imports, the `seqdocs` modules it
imports (read from its `import` statements and `seqdocs.<name>` or `seqdocs.experiments.<name>` uses with `ast`,
then followed through the package's own imports; anything unclear counts as the whole package), this script,
`_artifacts.py` and `_render.py` for examples, and the versions of Python and the packages in RUNTIME_PACKAGES.
`--which seqdocs/rnn.py` lists the units whose key holds a file. Each result is kept under `build/artifacts/` by
key, the last KEPT_RESULTS of each unit, so undoing an edit copies the earlier result back instead of running
the unit again. The key of what is in `docs/generated/` is in a manifest next to it (`.manifest.json` in an
example's folder, `.<name>.manifest.json` beside a snippet or notebook; mkdocs ignores dot-files). A build where
every unit is up to date writes nothing: `mkdocs serve` watches `docs/`, and a write starts a rebuild. What
each file imports is kept in KNOWN_FACTS by the SHA-256 of its bytes, so such a build reads and hashes files but
parses none: 0.25 s of CPU instead of 1.6 s (most of it walking the same syntax trees again and again).

**Atomic.** A unit writes into a staging folder that becomes its kept result only once it has succeeded, and
its output in `docs/generated/` the moment it has (under `mkdocs serve` a page shows it while others still
run); a unit that fails also loses its output there, so no page shows numbers its code no longer computes.
The others still run; then the build fails, naming every failed unit with the end of its error.

**Parallel, warm and reproducible.** Stale units run two at a time, each in a fresh process forked from
`multiprocessing`'s fork server, which imported torch, NumPy and matplotlib once (about two seconds each unit
would otherwise spend), with one torch thread, `PYTHONHASHSEED=0` and fixed seeds, so two clean builds write
byte-identical files. An example that declares `NONDETERMINISTIC = True` (it measures time) is not expected
to reproduce, the summary says so, and it runs alone after the others so that nothing disturbs its timings.

**Why it is written here.** The warm workers are the standard library's (`multiprocessing`'s fork server with
preloaded modules, `concurrent.futures`). What is left is what no maintained runner does: a key made of the
`seqdocs` modules each unit really imports (read with `ast`), results kept by key so an undone edit runs
nothing, and outputs swapped in whole. Measured on the project's 2-core machine (busy, CPU seconds):
importing torch, NumPy, matplotlib and `torch._dynamo` costs 5.2 s per process (`/usr/bin/time python -c
"import torch, numpy, matplotlib.pyplot, torch._dynamo"`), about 170 s for the site's 33 units, which the
preloaded fork server pays once. Task runners such as doit or make key
a task on files listed by hand, so an edit of `seqdocs/rnn.py` would rerun every unit (or none).
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import contextlib
import functools
import hashlib
import json
import multiprocessing
import os
import platform
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
THIS_SCRIPT = Path(__file__).resolve()
DEFAULT_JOBS = 2
CELL_TIMEOUT_SECONDS = 600
"""The longest one notebook cell may run."""
KEPT_RESULTS = 4
"""Results kept per unit under `build/artifacts/`: the current one and the three before it."""
KINDS = {"example": "scripts/examples", "snippet": "scripts/snippets", "notebook": "scripts/notebooks"}
SHARED = {"snippet": ("snippets", ".md"), "notebook": ("notebooks", ".ipynb")}
"""Snippets and notebooks share one output folder per kind; each example has a folder of its own."""
HARNESS = ("_artifacts.py", "_render.py")
PACKAGE = "seqdocs"
MARKER = ".seqdocs-generated"
"""Marks a folder as this build's output: only such a folder (or an empty or new one) is ever cleaned."""
PRELOAD = ["torch", "numpy", "matplotlib.pyplot", "torch._dynamo"]
"""What the fork server imports once, before the first unit: what nearly every unit imports first. The last is
what every torch optimizer imports on its first construction (2.5 s here), which the memory, learning and
gradients units would each pay again, the memory example once in each of its training processes."""
RUNTIME_PACKAGES = ("torch", "numpy", "matplotlib")
NOTEBOOK_PACKAGES = ("nbclient", "nbformat", "jupytext", "ipykernel", "matplotlib-inline")
ENVIRONMENT = {
    "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
    "PYTHONDONTWRITEBYTECODE": "1",  # mkdocs serve watches scripts/ and seqdocs/: a new __pycache__ would rebuild
    "PYTHONIOENCODING": "utf-8", "MPLBACKEND": "Agg",
}
"""Set in this process before the fork server starts, which every unit's process inherits."""


class BuildError(RuntimeError):
    """One or more units failed, or the build was asked for something impossible; the message says which."""


@dataclass(frozen=True)
class Unit:
    """One example, snippet or notebook; `nondeterministic` if its source says `NONDETERMINISTIC = True`,
    `long_running` if it says `LONG_RUNNING = True` (it starts first, so the rest fits in beside it)."""

    kind: str
    name: str
    source: Path
    nondeterministic: bool = False
    long_running: bool = False

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name}"


@dataclass(frozen=True)
class Project:
    """Where the units' sources are (`root`), where their output goes, and that folder relative to `docs/`."""

    root: Path
    output: Path
    url_prefix: str = "generated"

    def outputs(self, unit: Unit) -> tuple[Path, Path]:
        """Where the unit's output and its manifest go."""
        if unit.kind == "example":
            return self.output / unit.name, self.output / unit.name / ".manifest.json"
        folder, suffix = SHARED[unit.kind]
        return self.output / folder / f"{unit.name}{suffix}", self.output / folder / f".{unit.name}.manifest.json"

    def store(self, unit: Unit) -> Path:
        """The folder of the unit's kept results, one subfolder per key."""
        return self.root / "build" / "artifacts" / f"{unit.kind}-{unit.name}"


@dataclass
class BuildReport:
    """What a build did: units run (with seconds), taken from the kept results, up to date, and outputs removed."""

    ran: list[tuple[Unit, float]] = field(default_factory=list)
    restored: list[Unit] = field(default_factory=list)
    cached: list[Unit] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    nondeterministic: list[Unit] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        each = ", ".join(f"{unit.label} {seconds:.1f} s" for unit, seconds in sorted(self.ran, key=lambda i: -i[1]))
        lines = [f"artifacts: ran {len(self.ran)} in {self.seconds:.1f} s ({each or 'none'}); "
                 f"{len(self.restored)} from kept results, {len(self.cached)} up to date"]
        if self.removed:
            lines.append("artifacts: removed stale output " + ", ".join(self.removed))
        if self.nondeterministic:
            names = ", ".join(unit.label for unit in self.nondeterministic)
            lines.append(f"artifacts: not reproducible byte for byte (NONDETERMINISTIC): {names}")
        return "\n".join(lines)


# --- units and their keys ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What the key needs from one Python file, read in one walk over its syntax tree.

    `froms`: each `from M import a, b` as (M, level, names); `imports`: each `import M [as A]` as (M, A);
    `attributes`: each `A.x` on a plain name A, as (A, x, y) where the expression is `A.x.y`, or y None;
    `bare`: the names used other than as `A.x`; `flags`: the top-level `NAME = True` assignments.
    """

    froms: tuple[tuple[str | None, int, tuple[str, ...]], ...]
    imports: tuple[tuple[str, str | None], ...]
    attributes: tuple[tuple[str, str, str | None], ...]
    bare: frozenset[str]
    flags: frozenset[str]

    @classmethod
    def of(cls, tree: ast.Module) -> Facts:
        froms, imports, attributes, names, outer = [], [], [], [], {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                froms.append((node.module, node.level, tuple(alias.name for alias in node.names)))
            elif isinstance(node, ast.Import):
                imports += [(alias.name, alias.asname) for alias in node.names]
            elif isinstance(node, ast.Attribute):
                attributes.append(node)
                outer[id(node.value)] = node.attr
            elif isinstance(node, ast.Name):
                names.append(node)
        flags = {target.id for node in tree.body if isinstance(node, ast.Assign) and getattr(node.value, "value", None) is True
                 for target in node.targets if isinstance(target, ast.Name)}
        return cls(tuple(froms), tuple(imports),
                   tuple((n.value.id, n.attr, outer.get(id(n))) for n in attributes if isinstance(n.value, ast.Name)),
                   frozenset(n.id for n in names if id(n) not in outer), frozenset(flags))


KNOWN_FACTS = "build/artifacts/.facts-1.json"
"""Each file's `Facts` by the SHA-256 of its bytes, kept between builds: a build with nothing to do parses nothing."""
_known: dict[str, Facts] = {}
_used: set[str] = set()


@functools.lru_cache(maxsize=512)
def _facts_cached(path: Path, mtime: int, size: int) -> Facts | None:
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest not in _known:
        try:
            _known[digest] = Facts.of(ast.parse(data, filename=str(path)))
        except (SyntaxError, ValueError):
            return None  # it fails when it runs, which says why
    _used.add(digest)
    return _known[digest]


def facts(path: Path) -> Facts | None:
    """The file's `Facts` (None if it does not parse), read once per version of the file in this process."""
    status = path.stat()
    return _facts_cached(path, status.st_mtime_ns, status.st_size)


def load_facts(root: Path) -> None:
    """Read the facts kept by earlier builds (nothing if there are none, or they do not read)."""
    with contextlib.suppress(OSError, ValueError, TypeError):
        for digest, (froms, imports, attributes, bare, flags) in json.loads((root / KNOWN_FACTS).read_bytes()).items():
            _known.setdefault(digest, Facts(tuple((m, level, tuple(names)) for m, level, names in froms),
                                            tuple(map(tuple, imports)), tuple(map(tuple, attributes)),
                                            frozenset(bare), frozenset(flags)))


def save_facts(root: Path) -> None:
    """Keep the facts of the files this build read, if they are not what is kept already."""
    kept = {digest: [known.froms, known.imports, known.attributes, sorted(known.bare), sorted(known.flags)]
            for digest, known in sorted(_known.items()) if digest in _used}
    path, text = root / KNOWN_FACTS, json.dumps(kept, separators=(",", ":"))
    with contextlib.suppress(OSError):
        if path.read_text(encoding="utf-8") == text:
            return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.with_suffix(".tmp").write_text(text, encoding="utf-8")
    os.replace(path.with_suffix(".tmp"), path)


def discover_units(project: Project) -> list[Unit]:
    """Every unit, examples then snippets then notebooks, each by name."""
    units = []
    for kind, folder in KINDS.items():
        for source in sorted((project.root / folder).glob("[!_]*.py")):
            if kind == "example" and source.stem in ("snippets", "notebooks"):
                raise BuildError(f"example {source.stem!r}: that name is the output folder of all {source.stem}")
            read = facts(source)
            flags = read.flags if read else frozenset()
            units.append(Unit(kind, source.stem, source, "NONDETERMINISTIC" in flags, "LONG_RUNNING" in flags))
    return units


def select_units(units: list[Unit], only: Iterable[str] | None) -> list[Unit]:
    """The units `--only` asks for: `NAME` picks every kind of unit with that name, `KIND:NAME` one."""
    chosen = []
    for wanted in only or []:
        kind, _, name = wanted.rpartition(":")
        matches = [unit for unit in units if unit.name == name and kind in ("", unit.kind)]
        if not matches:
            raise BuildError(f"--only {wanted}: no such unit (there are: {', '.join(u.label for u in units)})")
        chosen += [unit for unit in matches if unit not in chosen]
    return chosen if only else units


class PackageIndex:
    """The `seqdocs` modules, which module each name a package's `__init__.py` exports comes from, and their imports.

    `seqdocs` and `seqdocs.experiments` are packages: `seqdocs.lstm_trace` and `seqdocs.experiments.gradient_flow`
    each count as their own module, not as everything the package's `__init__.py` imports.
    """

    def __init__(self, folder: Path) -> None:
        self.modules = {}
        if (folder / "__init__.py").is_file():
            for path in sorted(folder.rglob("*.py")):
                parts = path.relative_to(folder.parent).with_suffix("").parts
                self.modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
        self.packages = {name for name, path in self.modules.items() if path.name == "__init__.py"}
        self.exports: dict[str, dict[str, str]] = {package: {} for package in self.packages}
        for package in self.packages:
            for module, names in self._imports(package, internal_only=True).items():
                self.exports[package].update({name: module for name in names})

    def _imports(self, module: str, internal_only: bool = False) -> dict[str, list[str]]:
        """Package module imported by `module` -> the names taken from it (`*` for the whole module)."""
        path = self.modules.get(module)
        read = facts(path) if path else None
        found: dict[str, list[str]] = {}
        base = module.split(".") if path and path.name == "__init__.py" else module.split(".")[:-1]
        for name, level, names in read.froms if read else ():
            source = name if level == 0 else ".".join(base[: len(base) - level + 1] + ([name] if name else []))
            if source == PACKAGE or (source or "").startswith(PACKAGE + "."):
                found.setdefault(source, []).extend(names)
        for name, _ in read.imports if read and not internal_only else ():
            if name.split(".")[0] == PACKAGE:
                found.setdefault(name, []).append("*")
        return {source: names for source, names in found.items() if not internal_only or source != module}

    def resolve(self, source: str, names: list[str]) -> set[str] | None:
        """The modules that `from source import names` reads; None for "the whole package"."""
        if source not in self.packages:
            return {source} if source in self.modules else None
        modules = set()
        for name in names:
            if f"{source}.{name}" in self.modules:
                modules.add(f"{source}.{name}")
            elif name in self.exports[source]:
                modules.add(self.exports[source][name])
            elif name not in ("__version__", "__doc__"):
                return None
        return modules

    def closure(self, modules: set[str] | None) -> list[Path]:
        """The files of these modules and every package module they import; `__init__.py` always included."""
        seen, pending = {PACKAGE}, sorted(modules or [])
        while pending and modules is not None:
            module = pending.pop()
            if module not in seen:
                seen.add(module)
                for source, names in self._imports(module).items():
                    found = self.resolve(source, names)
                    if found is None:
                        return sorted(self.modules.values())
                    pending += sorted(found - seen)
        if modules is None:
            return sorted(self.modules.values())
        # A module's packages' `__init__.py` run when it is imported; their own imports are followed only by name.
        seen |= {".".join(m.split(".")[:depth]) for m in seen for depth in range(1, m.count(".") + 1)}
        return sorted(self.modules[m] for m in seen if m in self.modules)


def package_uses(read: Facts | None, index: PackageIndex) -> set[str] | None:
    """The `seqdocs` modules a unit's code uses; None for "the whole package" (or if unsure).

    `from seqdocs import lstm_trace` and `seqdocs.lstm_trace(...)` both resolve to `seqdocs.lstm`. Any other use
    of the name `seqdocs` (handing the module on, `getattr`) counts as using all of it.
    """
    if read is None:
        return None
    used: set[str] = set()
    for module, level, names in read.froms:
        if level == 0 and (module or "").split(".")[0] == PACKAGE:
            found = index.resolve(module, list(names))
            if found is None:
                return None
            used |= found
    aliases = {alias or PACKAGE for name, alias in read.imports if name.split(".")[0] == PACKAGE}
    used |= {name for name, _ in read.imports if name.split(".")[0] == PACKAGE}
    for owner, attribute, outer in read.attributes:
        if owner not in aliases:
            continue
        package = f"{PACKAGE}.{attribute}"
        if package in index.packages and outer is None:
            return None  # the subpackage itself is handed on
        # `seqdocs.experiments.gradient_flow` is the name in the subpackage, like `seqdocs.lstm_trace` in seqdocs.
        found = index.resolve(package, [outer]) if package in index.packages else index.resolve(PACKAGE, [attribute])
        if found is None:
            return None
        used |= found
    if aliases & read.bare:
        return None  # the module itself is handed on: anything in it may be used
    return used - index.packages


def local_helpers(source: Path) -> list[Path]:
    """The modules next to `source` that it imports, and the ones they import."""
    found: set[Path] = set()
    pending = [source]
    while pending:
        read = facts(pending.pop())
        for name in [name for name, _ in read.imports] + [m for m, level, _ in read.froms if level == 0 and m] if read else []:
            candidate = source.parent / f"{name.split('.')[0]}.py"
            if candidate != source and candidate not in found and candidate.is_file():
                found.add(candidate)
                pending.append(candidate)
    return sorted(found)


@functools.lru_cache(maxsize=None)
def runtime_versions(kind: str) -> str:
    """The interpreter and package versions a unit's output may depend on, as one line."""
    def version(name: str) -> str:
        with contextlib.suppress(metadata.PackageNotFoundError):
            return metadata.version(name)
        return "absent"
    names = RUNTIME_PACKAGES + (NOTEBOOK_PACKAGES if kind == "notebook" else ())
    return f"python={sys.version.split()[0]} {platform.machine()} " + " ".join(f"{n}={version(n)}" for n in names)


def dependencies(unit: Unit, project: Project, index: PackageIndex) -> list[Path]:
    """Every file besides the unit's own source whose content goes into its key."""
    helpers = set(local_helpers(unit.source))
    if unit.kind == "example":
        helpers |= {unit.source.parent / name for name in HARNESS if (unit.source.parent / name).is_file()}
    uses: set[str] | None = set()
    for path in [unit.source, *(h for h in helpers if h.name not in HARNESS)]:  # the harness reads no model
        found = package_uses(facts(path), index)
        uses = None if found is None or uses is None else uses | found
    return sorted(helpers) + (index.closure(uses) if uses is None or uses else [])


def cache_key(unit: Unit, project: Project, index: PackageIndex) -> str:
    """The SHA-256 (hex) of everything the unit's output depends on; see the module docstring."""
    digest = hashlib.sha256()
    parts = [("build script", THIS_SCRIPT.read_bytes()), ("unit", f"{unit.label} {project.url_prefix}".encode()),
             ("source", unit.source.read_bytes()), ("versions", runtime_versions(unit.kind).encode())]
    for path in dependencies(unit, project, index):
        name = path.relative_to(project.root).as_posix() if path.is_relative_to(project.root) else str(path)
        parts.append((name, path.read_bytes()))
    for label, data in parts:
        digest.update(f"{label}\0{len(data)}\0".encode() + data)
    return digest.hexdigest()


# --- inside a unit's process -------------------------------------------------------------------------------


def _run_in_worker(kind: str, source: Path, staging: Path, root: Path, url_prefix: str) -> tuple[str | None, float]:
    """Run one unit in this fresh process, its output going to `staging`; return its error output (None if it
    succeeded) and the seconds it took."""
    started = time.monotonic()
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))
    sys.path[:0] = [str(source.parent), str(root)]  # as for `python source.py`, with the project's seqdocs
    workdir = tempfile.mkdtemp(prefix=f"seqdocs-{source.stem}-")
    os.chdir(workdir)
    log = staging.parent / f"{staging.name}.log"
    with open(log, "w+b") as output, open(os.devnull, "rb") as nothing:
        os.dup2(nothing.fileno(), 0)
        os.dup2(output.fileno(), 2)
        sys.stdout.flush()
        # A snippet's output goes on its page; an example's or notebook's goes to the log, shown if it fails.
        os.dup2(os.open(staging / f"{source.stem}.out", os.O_WRONLY | os.O_CREAT, 0o644) if kind == "snippet" else output.fileno(), 1)
        status = 0
        try:
            if kind == "example":
                _run_example(source, staging, url_prefix)
            elif kind == "snippet":
                import runpy
                sys.argv = [str(source)]
                runpy.run_path(str(source), run_name="__main__")
            else:
                _run_notebook(source, staging)
        except SystemExit as exit:
            if exit.code not in (None, 0):
                status = 1
                print(exit.code if not isinstance(exit.code, int) else f"exit status {exit.code}", file=sys.stderr)
        except BaseException:
            import traceback
            traceback.print_exc()
            status = 1
        sys.stdout.flush()
        sys.stderr.flush()
        shutil.rmtree(workdir, ignore_errors=True)
        return log.read_text(encoding="utf-8", errors="replace") if status else None, time.monotonic() - started


def _run_example(source: Path, staging: Path, url_prefix: str) -> None:
    """Import an example and write what its `build(out)` makes."""
    import importlib.util

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
    """Convert a jupytext notebook, execute it on a kernel of this interpreter and write it."""
    import jupytext
    import nbformat
    from ipykernel.kernelspec import write_kernel_spec
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    os.environ.pop("MPLBACKEND", None)  # the kernel chooses its inline backend only when this is unset
    notebook = jupytext.read(source, fmt="py:percent")
    notebook.metadata.pop("jupytext", None)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.nbformat, notebook.nbformat_minor = 4, 5
    for number, cell in enumerate(notebook.cells, 1):
        cell["id"] = f"cell-{number}"  # jupytext draws random ids; fixed ones keep the file reproducible
    # A kernel spec for exactly this interpreter, found first: a user's own "python3" may lack seqdocs.
    write_kernel_spec(Path(os.getcwd()) / "kernels" / "python3")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [os.getcwd(), os.environ.get("JUPYTER_PATH")]))
    client = NotebookClient(notebook, kernel_name="python3", timeout=CELL_TIMEOUT_SECONDS, allow_errors=False,
                            record_timing=False, resources={"metadata": {"path": os.getcwd()}})
    try:
        client.execute()
    except CellExecutionError as error:
        number = next((n for n, cell in enumerate(notebook.cells, 1)
                       if any(o.get("output_type") == "error" for o in cell.get("outputs", []))), "?")
        raise SystemExit(f"notebook {source.name}: cell {number} raised an error:\n{error}") from None
    nbformat.write(notebook, staging / f"{source.stem}.ipynb")


def snippet_markdown(name: str, source: str, output: str) -> str:
    """A snippet's page material: its exact source as a Python block, then its exact output (if any)."""
    blocks = []
    for language, title, text in (("python", f"{name}.py", source), ("text", "Output", output)):
        if text or language == "python":
            fence = "`" * max(3, 1 + max((len(run) for run in re.findall("`+", text)), default=0))
            blocks.append(f'{fence}{language} title="{title}"\n{text if text.endswith(chr(10)) else text + chr(10)}{fence}\n')
    return "\n".join(blocks)


# --- the build ---------------------------------------------------------------------------------------------


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def discard(unit: Unit, project: Project) -> None:
    """Remove a unit's output, so no page shows numbers its current code no longer computes."""
    for path in project.outputs(unit):
        _remove(path)


def is_fresh(unit: Unit, key: str, project: Project) -> bool:
    """Whether the unit's output in `docs/generated/` was written with this key and every file of it is there."""
    manifest = project.outputs(unit)[1]
    with contextlib.suppress(OSError, ValueError):
        written = json.loads(manifest.read_text(encoding="utf-8"))
        return written["key"] == key and all((manifest.parent / name).is_file() for name in written["files"])
    return False


def _write_manifest(path: Path, unit: Unit, key: str, files: list[str]) -> None:
    path.write_text(json.dumps({"unit": unit.label, "key": key, "files": sorted(files)}, indent=2) + "\n")


def install(unit: Unit, project: Project, key: str) -> None:
    """Copy the unit's kept result for `key` into the output folder, in place of its old output."""
    kept, (output, manifest) = project.store(unit) / key, project.outputs(unit)
    os.utime(kept)  # the most recently used results are the ones kept
    staging = Path(tempfile.mkdtemp(prefix=f".staging-{unit.name}-", dir=project.output))
    if unit.kind == "example":
        shutil.copytree(kept, staging / unit.name)
        _write_manifest(staging / unit.name / manifest.name, unit, key, [p.name for p in kept.iterdir()])
        if output.exists():
            os.replace(output, staging / "old")  # two renames: never half the old output and half the new
        os.replace(staging / unit.name, output)
    else:
        output.parent.mkdir(exist_ok=True)
        shutil.copy2(kept / output.name, staging / output.name)
        _write_manifest(staging / manifest.name, unit, key, [output.name])
        os.replace(staging / output.name, output)
        os.replace(staging / manifest.name, manifest)
    shutil.rmtree(staging)


def _keep(unit: Unit, project: Project, staging: Path, key: str) -> None:
    """Make a finished run's output the kept result for `key`; forget all but the KEPT_RESULTS latest."""
    if unit.kind == "snippet":
        text = snippet_markdown(unit.name, unit.source.read_text(encoding="utf-8"),
                                (staging / f"{unit.name}.out").read_text(encoding="utf-8"))
        (staging / f"{unit.name}.md").write_text(text, encoding="utf-8")
        (staging / f"{unit.name}.out").unlink()
    if unit.kind != "example" and not (staging / project.outputs(unit)[0].name).is_file():
        raise BuildError(f"{unit.label} wrote no {project.outputs(unit)[0].name}")
    _remove(project.store(unit) / key)
    os.replace(staging, project.store(unit) / key)
    results = [path for path in project.store(unit).iterdir() if not path.name.startswith(".")]
    for old in sorted(results, key=lambda path: -path.stat().st_mtime_ns)[KEPT_RESULTS:]:
        _remove(old)


def _touched_directly(unit: Unit, project: Project, index: PackageIndex) -> bool:
    """Whether the unit's source, or a `seqdocs` module it names itself, changed after its output was written."""
    named = [index.modules[module] for module in package_uses(facts(unit.source), index) or () if module in index.modules]
    with contextlib.suppress(OSError):
        return max(path.stat().st_mtime for path in [unit.source, *named]) > project.outputs(unit)[1].stat().st_mtime
    return False


def _last_seconds(unit: Unit, project: Project) -> float:
    with contextlib.suppress(OSError, ValueError):
        return float((project.store(unit) / ".seconds").read_text())
    return 0.0


def _claim_output(project: Project) -> None:
    """Make sure the output folder is this build's to clean, creating it (with its marker) if needed."""
    if (project.output / MARKER).is_file():
        return
    if project.output.exists() and any(project.output.iterdir()):
        raise BuildError(f"{project.output} holds files this build did not write (no {MARKER} in it); refusing to "
                         "clean it. Empty it or choose another --output.")
    project.output.mkdir(parents=True, exist_ok=True)
    (project.output / MARKER).write_text("Written by scripts/build_artifacts.py; rebuilt from scripts/.\n")


def remove_stale_outputs(project: Project, units: list[Unit]) -> list[str]:
    """Delete outputs whose unit no longer exists, and staging left by an interrupted build."""
    expected = {path for unit in units for path in project.outputs(unit)}
    removed = []
    for entry in sorted(project.output.iterdir()):
        if entry.name.startswith(".staging-"):
            _remove(entry)
        elif entry.name in ("snippets", "notebooks") and entry.is_dir():
            for item in sorted(entry.iterdir()):
                if item not in expected:
                    _remove(item)
                    removed.append(f"{entry.name}/{item.name}")
        elif entry not in expected and entry.name not in (MARKER, ".lock"):
            _remove(entry)
            removed.append(entry.name)
    return removed


def _run_batch(units: list[Unit], project: Project, keys: dict[Unit, str], jobs: int,
               report: Callable[[str], None]) -> tuple[list[tuple[Unit, float]], list[str]]:
    """Run units `jobs` at a time, each in a fresh fork of the fork server; keep each result that succeeds."""
    ran, failures = [], []
    if not units:
        return ran, failures
    # The function a process runs is named by its module, which must be importable there: this script by name.
    if str(THIS_SCRIPT.parent) not in sys.path:
        sys.path.insert(0, str(THIS_SCRIPT.parent))
    from build_artifacts import _run_in_worker

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    pool = concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context, max_tasks_per_child=1)
    futures = {}
    try:
        for unit in units:
            project.store(unit).mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=project.store(unit)))
            staging.chmod(0o755)
            arguments = (unit.kind, unit.source, staging, project.root, project.url_prefix)
            futures[pool.submit(_run_in_worker, *arguments)] = (unit, staging)
        report(f"artifacts: running {', '.join(unit.label for unit in units)}, {jobs} at a time")
        for future in concurrent.futures.as_completed(futures):
            unit, staging = futures[future]
            try:
                error, seconds = future.result()
                if error is None:
                    _keep(unit, project, staging, keys[unit])
                    install(unit, project, keys[unit])  # now: a page can show it while the others still run
                    (project.store(unit) / ".seconds").write_text(f"{seconds:.1f}\n")
            except Exception as problem:  # the process died, or the unit wrote nothing
                error = f"{type(problem).__name__}: {problem}"
            if error is None:
                ran.append((unit, seconds))
                report(f"  ran {unit.label} in {seconds:.1f} s")
                continue
            _remove(staging)
            discard(unit, project)
            tail = "\n".join("    " + line for line in error.rstrip().splitlines()[-60:])
            failures.append(f"{unit.label} ({unit.source}) failed:\n{tail}")
            report(f"  FAILED {unit.label}")
        pool.shutdown(wait=True)
    except BaseException:
        # Interrupted (Ctrl-C): start no more units and stop the running ones now, rather than wait for them.
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    finally:
        for unit, staging in futures.values():
            _remove(staging)
            _remove(staging.parent / f"{staging.name}.log")
    return ran, failures


@contextlib.contextmanager
def _exclusive(project: Project, report: Callable[[str], None]):
    """Hold the output folder's lock: a second build waits instead of deleting the first one's staging."""
    import fcntl

    with open(project.output / ".lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            report(f"artifacts: waiting for another build of {project.output} to finish")
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def build_all(root: Path = ROOT, output: Path | None = None, *, force: bool = False, only: Iterable[str] | None = None,
              jobs: int = DEFAULT_JOBS, url_prefix: str = "generated", report: Callable[[str], None] = print) -> BuildReport:
    """Bring every unit's output up to date: run what is stale, restore kept results, remove what is gone.

    Args:
        root: The project root (holding `scripts/` and `seqdocs/`).
        output: The output folder; `<root>/docs/generated` by default. Only a folder this build created (or an
            empty one) is used, since stale files in it are deleted.
        force: Run every selected unit, whatever is cached or kept.
        only: Run only these units (`NAME` or `KIND:NAME`); the others are left as they are.
        jobs: How many units run at once.
        url_prefix: The output folder relative to `docs/`, for links in generated Markdown.
        report: Called with each progress line and the summary.

    Raises:
        BuildError: If any unit failed (after the others ran), naming each with the end of its error output.
    """
    started = time.monotonic()
    project = Project(Path(root).resolve(), Path(output or Path(root) / "docs" / "generated").resolve(), url_prefix)
    load_facts(project.root)
    units = discover_units(project)
    selected = select_units(units, only)
    _claim_output(project)
    os.environ.update(ENVIRONMENT)  # before the fork server starts: every unit's process inherits it
    with _exclusive(project, report):
        result = BuildReport(removed=remove_stale_outputs(project, units))
        index = PackageIndex(project.root / PACKAGE)
        keys = {unit: cache_key(unit, project, index) for unit in selected}
        save_facts(project.root)
        stale = [unit for unit in selected if force or not is_fresh(unit, keys[unit], project)]
        result.cached = [unit for unit in selected if unit not in stale]
        result.restored = [u for u in stale if not force and (project.store(u) / keys[u]).is_dir()]
        to_run = [unit for unit in stale if unit not in result.restored]
        for unit in result.restored:
            install(unit, project, keys[unit])
        # Longest first: the other worker runs the short units beside it instead of waiting for it at the end;
        # then, so that the page of an edited file shows it soonest under `mkdocs serve`, the units that name it
        # themselves, and the shortest (by their last run) first.
        parallel = sorted((u for u in to_run if not u.nondeterministic), key=lambda unit: (
            not unit.long_running, not _touched_directly(unit, project, index), _last_seconds(unit, project)))
        ran, failures = _run_batch(parallel, project, keys, jobs, report)
        ran_alone, failed_alone = _run_batch([u for u in to_run if u.nondeterministic], project, keys, 1, report)
        result.ran, failures = ran + ran_alone, failures + failed_alone
        result.nondeterministic = [unit for unit in selected if unit.nondeterministic]
        result.seconds = time.monotonic() - started
    if failures:
        raise BuildError(f"{len(failures)} of {len(to_run)} units failed:\n" + "\n".join(failures))
    for line in result.summary().splitlines():
        report(line)
    return result


def main(argv: list[str] | None = None) -> int:
    """The command line; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--force", action="store_true", help="run every unit, even if cached")
    parser.add_argument("--only", action="append", metavar="NAME", help="run only this unit (NAME or KIND:NAME); repeatable")
    parser.add_argument("--jobs", type=int, default=DEFAULT_JOBS, help=f"units run at once (default {DEFAULT_JOBS})")
    parser.add_argument("--output", type=Path, help="output folder (default docs/generated)")
    parser.add_argument("--which", type=Path, metavar="FILE", help="list the units whose key holds FILE, and stop")
    options = parser.parse_args(argv)
    try:
        if options.which:
            project = Project(ROOT, ROOT / "docs" / "generated")
            load_facts(ROOT)
            index, wanted = PackageIndex(ROOT / PACKAGE), options.which.resolve()
            for unit in discover_units(project):
                if wanted == unit.source or wanted in dependencies(unit, project, index):
                    print(unit.label)
            return 0
        build_all(force=options.force, only=options.only, jobs=options.jobs, output=options.output,
                  report=lambda line: print(line, flush=True))
        if not options.only:  # then the wheel and every page's program, for download: scripts/build_downloads.py
            import build_downloads
            return build_downloads.main(docs=(options.output or ROOT / "docs" / "generated").resolve().parent)
    except BuildError as error:
        print(f"build_artifacts: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
