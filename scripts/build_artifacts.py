"""Run the site's examples, snippets and notebooks and write what they make into `docs/generated/`, cached.

    python scripts/build_artifacts.py [--force] [--only NAME] [--output DIR] [--which FILE]

`scripts/site.sh` runs it before the site generator; the mkdocs hook `scripts/hooks_artifacts.py` runs it
again before each build, so `mkdocs serve` on a fresh clone shows the complete site. Three kinds of unit:

| unit                                   | runs as                                     | writes into `docs/generated/`              |
| -------------------------------------- | ------------------------------------------- | ------------------------------------------ |
| example `scripts/examples/<name>.py`   | its `build(out)` (`examples/_artifacts.py`) | `<name>/`: figures, snippets, values       |
| snippet `scripts/snippets/<name>.py`   | `python <name>.py` in an empty folder       | `snippets/<name>.md`: the code, its output |
| notebook `scripts/notebooks/<name>.py` | jupytext percent format, run by nbclient    | `notebooks/<name>.ipynb`, executed         |

Files starting with `_` are helpers, not units.

**Cache.** A unit's key is the SHA-256 of its source, of the files it really imports, of this script and of the
versions of Python and RUNTIME_PACKAGES. What it really imports is read with `ast`: the helpers beside it that it
imports (and theirs), `_artifacts.py` and `_render.py` for an example, and the `seqdocs` modules that define the
names it uses (`from seqdocs import lstm_trace` and `seqdocs.lstm_trace` mean `seqdocs/lstm.py`, not all that
`seqdocs/__init__.py` imports), followed through their imports; a use that does not resolve (the package handed
on, a name it does not export) counts as all of it. `--which seqdocs/rnn.py` lists the units whose key holds a
file. Results are kept by key under `build/artifacts/`, the last KEPT_RESULTS of each unit: undoing an edit
copies the earlier result back instead of running the unit again. A manifest beside the output holds its key
(`.manifest.json` in an example's folder, `.<name>.manifest.json` beside a snippet or notebook; mkdocs ignores
dot-files). A build with every unit up to date writes nothing (`mkdocs serve` rebuilds on any write into
`docs/`) and parses nothing: IMPORTS_CACHE keeps each file's imports by the SHA-256 of its bytes.

**Atomic.** A unit writes into a staging folder that becomes its kept result once it has succeeded, and its
output in `docs/generated/` at once (under `mkdocs serve` a page shows it while others still run); a unit that
fails loses its output there too, so no page shows numbers its code no longer computes. The others still run;
then the build fails, naming every failed unit with the end of its error.

**Parallel, warm and reproducible.** Stale units run JOBS at a time, each in a fresh process forked from
`multiprocessing`'s fork server, which imported PRELOAD once, with one torch thread, `PYTHONHASHSEED=0` and fixed
seeds, so two clean builds write byte-identical files. A unit that declares `NONDETERMINISTIC = True` (it measures
time) is not expected to reproduce, the summary says so, and it runs alone after the others.

**Why it is written here.** The workers are the standard library's (`concurrent.futures` on the fork server with
preloaded modules): importing PRELOAD costs 5.2 s of CPU per process, about 170 s for the site's 34 units, paid
once. Task runners (doit, make) key a task on files listed by hand, so an edit of `seqdocs/rnn.py` would rerun
every unit or none. grimp (import-linter's import graph) takes 0.1 s to import and 20 ms to graph `seqdocs`, but
graphs packages, not the units in `scripts/`, and records `from seqdocs import lstm_trace` as an import of all of
`seqdocs`: the `ast` reading above would still be needed beside it.
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import contextlib
import fcntl
import functools
import hashlib
import io
import json
import multiprocessing
import os
import platform
import re
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
THIS_SCRIPT = Path(__file__).resolve()
JOBS = 2
"""Units run at once: the project's machines have two cores."""
CELL_TIMEOUT_SECONDS = 600
"""The longest one notebook cell may run."""
KEPT_RESULTS = 4
"""Results kept per unit under `build/artifacts/`: the current one and the three before it."""
KINDS = {"example": "scripts/examples", "snippet": "scripts/snippets", "notebook": "scripts/notebooks"}
SHARED = {"snippet": ("snippets", ".md"), "notebook": ("notebooks", ".ipynb")}
"""Snippets and notebooks share one output folder per kind; each example has a folder of its own."""
FLAG = re.compile(r"^(NONDETERMINISTIC|LONG_RUNNING) *= *True\b", re.MULTILINE)
"""A unit's top-level flags, read as text: they count even when its source does not parse."""
HARNESS = ("_artifacts.py", "_render.py")
PACKAGE = "seqdocs"
IMPORTS_CACHE = "build/artifacts/.imports.json"
MARKER = ".seqdocs-generated"
"""Marks a folder as this build's output: only such a folder (or an empty or new one) is ever cleaned."""
PRELOAD = ["torch", "numpy", "matplotlib.pyplot", "torch._dynamo"]
"""What the fork server imports once: what nearly every unit imports first. The last is what every torch
optimizer imports on its first construction (2.5 s here), which the training units would each pay again."""
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
    """Where the units' sources are (`root`) and where their output goes."""

    root: Path
    output: Path

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


def discover_units(project: Project) -> list[Unit]:
    """Every unit, examples then snippets then notebooks, each by name."""
    units = []
    for kind, folder in KINDS.items():
        for source in sorted((project.root / folder).glob("[!_]*.py")):
            if kind == "example" and source.stem in ("snippets", "notebooks"):
                raise BuildError(f"example {source.stem!r}: that name is the output folder of all {source.stem}")
            flags = FLAG.findall(source.read_text(encoding="utf-8", errors="replace"))
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


# --- what each unit imports, and its key -------------------------------------------------------------------


def read_imports(tree: ast.Module, package: list[str]) -> tuple[list[str], list[str]]:
    """What a file takes from other modules: the modules its `import` statements name, and the dotted names it
    uses: `from M import a` as `M.a`; on a name that `import seqdocs...` bound, `seqdocs.x.y` as written (the
    name alone where it is handed on). `package`: where a relative import starts."""
    statements, used, bound, chains, inner = set(), set(), {}, [], set()
    for node in ast.walk(tree):  # parents before children: each attribute chain is read whole, from its end
        if isinstance(node, ast.Import):
            for alias in node.names:
                statements.add(alias.name)
                bound[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            start = package[: len(package) + 1 - node.level] if node.level else []  # `from ..x import y`
            used |= {".".join([*start, *filter(None, [node.module]), alias.name]) for alias in node.names}
        elif isinstance(node, (ast.Attribute, ast.Name)) and id(node) not in inner:
            attributes = []
            while isinstance(node, ast.Attribute):
                inner.add(id(node.value))
                attributes.insert(0, node.attr)
                node = node.value
            if isinstance(node, ast.Name):
                chains.append([node.id, *attributes])
    used |= {".".join([bound[name], *rest]) for name, *rest in chains if bound.get(name, "").split(".")[0] == PACKAGE}
    return sorted(statements), sorted(used)


class ImportGraph:
    """The `seqdocs` modules, the names each of its packages exports, and what each file imports: read once per
    build, or not at all when IMPORTS_CACHE holds the file's content."""

    def __init__(self, root: Path) -> None:
        self.root, self.read_now, self.modules = root, {}, {}
        # Each asked once per build, for each file or folder, however many units share it:
        self.digest = functools.cache(lambda path: hashlib.sha256(path.read_bytes()).hexdigest())
        self.resolve = functools.cache(self.resolve)
        self.beside = functools.cache(lambda folder: {path.stem for path in folder.glob("*.py")})
        try:
            self.cached = json.loads((root / IMPORTS_CACHE).read_bytes())
        except (OSError, ValueError):
            self.cached = {}
        for path in sorted((root / PACKAGE).rglob("*.py")) if (root / PACKAGE / "__init__.py").is_file() else ():
            parts = path.relative_to(root).with_suffix("").parts
            self.modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
        self.packages = {name for name, path in self.modules.items() if path.name == "__init__.py"}
        self.exports = {package: {} for package in self.packages}  # package -> {name -> the module defining it}
        for package in self.packages:
            for name in self.read(self.modules[package])[1]:
                if self.module_of(name) not in (None, package):
                    self.exports[package][name.rsplit(".", 1)[-1]] = self.module_of(name)

    def read(self, path: Path) -> tuple[list[str], list[str]]:
        """`read_imports` of a file; nothing if it does not parse (it fails when it runs, which says why)."""
        name = path.relative_to(self.root).as_posix()
        if self.cached.get(name, [None])[0] != self.digest(path):
            with contextlib.suppress(SyntaxError, ValueError):
                self.cached[name] = [self.digest(path), *read_imports(ast.parse(path.read_bytes()), name.split("/")[:-1])]
            self.cached.setdefault(name, [self.digest(path), [], []])
        self.read_now[name] = self.cached[name]
        return self.cached[name][1], self.cached[name][2]

    def save(self) -> None:
        """Keep the imports of the files this build read, unless they are kept already."""
        text, path = json.dumps(dict(sorted(self.read_now.items())), separators=(",", ":")), self.root / IMPORTS_CACHE
        with contextlib.suppress(OSError):
            if path.read_text(encoding="utf-8") == text:
                return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.with_suffix(".tmp").write_text(text, encoding="utf-8")
        os.replace(path.with_suffix(".tmp"), path)

    def module_of(self, name: str) -> str | None:
        """The longest start of a dotted name that is a `seqdocs` module: `seqdocs.lstm.lstm_trace` -> `seqdocs.lstm`."""
        parts = name.split(".")
        return next((".".join(parts[:n]) for n in range(len(parts), 0, -1) if ".".join(parts[:n]) in self.modules), None)

    def resolve(self, path: Path) -> set[str] | None:
        """The `seqdocs` modules whose code a file uses, packages left out; None for all of the package."""
        statements, used = self.read(path)
        found = {module for module in statements if module in self.modules} - self.packages
        for name in used:
            module = self.module_of(name)
            first = name[len(module or "") + 1:].split(".")[0]  # the name taken from a package ("" for itself)
            if module in self.packages and first in self.exports[module]:
                found.add(self.exports[module][first])
            elif module in self.packages and first not in ("__version__", "__doc__"):
                return None  # the package handed on, or a name it does not export: anything in it may be used
            elif module is not None and module not in self.packages:
                found.add(module)
        return found

    def dependencies(self, unit: Unit) -> list[Path]:
        """Every file besides the unit's own source whose content goes into its key: the modules beside it that it
        imports (and theirs), the harness for an example, and the `seqdocs` modules whose names they use, followed
        through those modules' imports, with their packages' `__init__.py` (which run, but whose own imports
        are followed only by name)."""
        harness = [unit.source.parent / name for name in HARNESS] if unit.kind == "example" else []
        found, pending, everything = set(), [unit.source, *harness], False
        while pending:
            path = pending.pop()
            if path in found or not path.is_file():
                continue
            found.add(path)
            named = {name.split(".")[0] for name in sum(self.read(path), [])}
            pending += [unit.source.parent / f"{name}.py" for name in sorted(named & self.beside(unit.source.parent))]
            uses = set() if path in harness else self.resolve(path)  # the harness reads no model
            everything |= uses is None
            for module in uses or ():
                found |= {self.modules[".".join(module.split(".")[:n])] for n in range(1, module.count(".") + 1)}
                pending.append(self.modules[module])
        return sorted((found | set(self.modules.values()) if everything else found) - {unit.source})

    def key(self, unit: Unit) -> str:
        """The SHA-256 (hex) of everything the unit's output depends on; see the module docstring."""
        digest = hashlib.sha256(f"{unit.label}\0{runtime_versions(unit.kind)}\0".encode())
        for path in [THIS_SCRIPT, unit.source, *self.dependencies(unit)]:
            name = path.relative_to(self.root).as_posix() if path.is_relative_to(self.root) else path.name
            digest.update(f"{name}\0{self.digest(path)}\0".encode())
        return digest.hexdigest()


@functools.cache
def runtime_versions(kind: str) -> str:
    """The interpreter and package versions a unit's output may depend on, as one line."""
    def version(name: str) -> str:
        with contextlib.suppress(metadata.PackageNotFoundError):
            return metadata.version(name)
        return "absent"
    names = RUNTIME_PACKAGES + (NOTEBOOK_PACKAGES if kind == "notebook" else ())
    return f"python={sys.version.split()[0]} {platform.machine()} " + " ".join(f"{n}={version(n)}" for n in names)


# --- inside a unit's process -------------------------------------------------------------------------------


def _run_in_worker(kind: str, source: Path, staging: Path, root: Path) -> tuple[str | None, float]:
    """Run one unit in this fresh process, in an empty folder, its output going to `staging`; return its error
    output (None if it succeeded) and the seconds it took."""
    started, printed = time.monotonic(), io.StringIO()  # a snippet's output, which goes on its page
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))
    sys.path[:0] = [str(source.parent), str(root)]  # as for `python source.py`, with the project's seqdocs
    with tempfile.TemporaryDirectory(prefix=f"seqdocs-{source.stem}-") as workdir, open(staging / ".log", "w+b") as log:
        os.chdir(workdir)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        for stream in (sys.stdout, sys.stderr):  # what the unit prints, down to its C libraries', goes to the log
            stream.flush()
            os.dup2(log.fileno(), stream.fileno())
        try:
            if kind == "example":
                _run_example(source, staging)
            elif kind == "snippet":
                import runpy
                sys.argv = [str(source)]
                with contextlib.redirect_stdout(printed):
                    runpy.run_path(str(source), run_name="__main__")
            else:
                _run_notebook(source, staging)
            failed = False
        except SystemExit as exit:
            if failed := exit.code not in (None, 0):
                print(exit.code if not isinstance(exit.code, int) else f"exit status {exit.code}", file=sys.stderr)
        except BaseException:
            import traceback
            traceback.print_exc()
            failed = True
        sys.stdout.flush()
        sys.stderr.flush()
        if failed:
            log.seek(0)
            return log.read().decode("utf-8", errors="replace"), time.monotonic() - started
    (staging / ".log").unlink()
    if kind == "snippet":
        page = snippet_markdown(source.stem, source.read_text(encoding="utf-8"), printed.getvalue())
        (staging / f"{source.stem}.md").write_text(page, encoding="utf-8")
    return None, time.monotonic() - started


def _run_example(source: Path, staging: Path) -> None:
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
    out = _artifacts.Artifacts(source.stem)
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
    else:
        path.unlink(missing_ok=True)


def is_fresh(unit: Unit, key: str, project: Project) -> bool:
    """Whether the unit's output in `docs/generated/` was written with this key and every file of it is there."""
    manifest = project.outputs(unit)[1]
    with contextlib.suppress(OSError, ValueError):
        written = json.loads(manifest.read_text(encoding="utf-8"))
        return written["key"] == key and all((manifest.parent / name).is_file() for name in written["files"])
    return False


def install(unit: Unit, project: Project, key: str) -> None:
    """Copy the unit's kept result for `key` (its output and manifest) into the output folder: first beside it,
    then renamed into place, so that no page ever includes half the old output and half the new."""
    kept, output = project.store(unit) / key, project.outputs(unit)[0]
    os.utime(kept)  # the most recently used results are the ones kept
    staging = Path(tempfile.mkdtemp(prefix=f".staging-{unit.name}-", dir=project.output))
    copy = shutil.copytree(kept, staging / "new")
    if unit.kind == "example":  # a folder, its manifest inside: swapped by two renames
        if output.exists():
            os.replace(output, staging / "old")
        os.replace(copy, output)
    else:  # a file and its manifest, beside the other snippets' or notebooks'
        output.parent.mkdir(exist_ok=True)
        for path in sorted(copy.iterdir()):
            os.replace(path, output.parent / path.name)
    shutil.rmtree(staging)


def _keep(unit: Unit, project: Project, staging: Path, key: str) -> None:
    """Make a finished run's output, with its manifest, the kept result for `key`; forget all but the
    KEPT_RESULTS latest."""
    (output, manifest), store = project.outputs(unit), project.store(unit)
    if unit.kind != "example" and not (staging / output.name).is_file():
        raise BuildError(f"{unit.label} wrote no {output.name}")
    files = sorted(path.name for path in staging.iterdir())
    (staging / manifest.name).write_text(json.dumps({"unit": unit.label, "key": key, "files": files}, indent=2) + "\n")
    _remove(store / key)
    os.replace(staging, store / key)
    results = [path for path in store.iterdir() if not path.name.startswith(".")]
    for old in sorted(results, key=lambda path: -path.stat().st_mtime_ns)[KEPT_RESULTS:]:
        _remove(old)


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
    expected |= {project.output / name for name in (MARKER, ".lock", *(folder for folder, _ in SHARED.values()))}
    removed = []
    for entry in sorted({*project.output.iterdir(), *(path for folder, _ in SHARED.values()
                                                      for path in (project.output / folder).glob("*"))}):
        if entry not in expected:
            _remove(entry)
            removed += [] if entry.name.startswith(".staging-") else [entry.relative_to(project.output).as_posix()]
    return removed


def _run_batch(units: list[Unit], project: Project, keys: dict[Unit, str], jobs: int,
               report: Callable[[str], None]) -> tuple[list[tuple[Unit, float]], list[str]]:
    """Run units `jobs` at a time, each in a fresh fork of the fork server; keep each result that succeeds."""
    ran, failures, futures = [], [], {}
    if not units:
        return ran, failures
    # The function a process runs is named by its module, which must be importable there: this script by name.
    if str(THIS_SCRIPT.parent) not in sys.path:
        sys.path.insert(0, str(THIS_SCRIPT.parent))
    from build_artifacts import _run_in_worker

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    pool = concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context, max_tasks_per_child=1)
    try:
        for unit in units:
            staging = project.store(unit) / f".staging-{keys[unit]}"
            _remove(staging)
            staging.mkdir(parents=True)
            futures[pool.submit(_run_in_worker, unit.kind, unit.source, staging, project.root)] = (unit, staging)
        report(f"artifacts: running {', '.join(unit.label for unit in units)}, {jobs} at a time")
        for future in concurrent.futures.as_completed(futures):
            unit, staging = futures[future]
            try:
                error, seconds = future.result()
                if error is None:
                    _keep(unit, project, staging, keys[unit])
                    install(unit, project, keys[unit])  # now: a page can show it while the others still run
                    (project.store(unit) / ".seconds").write_text(f"{seconds:.1f}\n")
                    ran.append((unit, seconds))
                    report(f"  ran {unit.label} in {seconds:.1f} s")
                    continue
            except Exception as problem:  # the process died, or the unit wrote nothing
                error = f"{type(problem).__name__}: {problem}"
            for path in (staging, *project.outputs(unit)):  # no page shows what its code no longer computes
                _remove(path)
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
        for _, staging in futures.values():
            _remove(staging)
    return ran, failures


def build_all(root: Path = ROOT, output: Path | None = None, *, force: bool = False, only: Iterable[str] | None = None,
              report: Callable[[str], None] = print) -> BuildReport:
    """Bring every unit's output up to date: run what is stale, restore kept results, remove what is gone.

    Args:
        root: The project root (holding `scripts/` and `seqdocs/`).
        output: The output folder; `<root>/docs/generated` by default. Only a folder this build created (or an
            empty one) is used, since stale files in it are deleted.
        force: Run every selected unit, whatever is cached or kept.
        only: Run only these units (`NAME` or `KIND:NAME`); the others are left as they are.
        report: Called with each progress line and the summary.

    Raises:
        BuildError: If any unit failed (after the others ran), naming each with the end of its error output.
    """
    started = time.monotonic()
    project = Project(Path(root).resolve(), Path(output or Path(root) / "docs" / "generated").resolve())
    units = discover_units(project)
    selected = select_units(units, only)
    _claim_output(project)
    os.environ.update(ENVIRONMENT)  # before the fork server starts: every unit's process inherits it
    with open(project.output / ".lock", "a") as lock:  # a second build waits, not deleting this one's staging
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            report(f"artifacts: waiting for another build of {project.output} to finish")
            fcntl.flock(lock, fcntl.LOCK_EX)
        result = BuildReport(removed=remove_stale_outputs(project, units))
        graph = ImportGraph(project.root)
        keys = {unit: graph.key(unit) for unit in selected}
        graph.save()
        stale = [unit for unit in selected if force or not is_fresh(unit, keys[unit], project)]
        result.cached = [unit for unit in selected if unit not in stale]
        result.restored = [u for u in stale if not force and (project.store(u) / keys[u]).is_dir()]
        to_run = [unit for unit in stale if unit not in result.restored]
        for unit in result.restored:
            install(unit, project, keys[unit])

        def order(unit: Unit) -> tuple[bool, bool, float]:
            """Long-running first: the other worker runs the short units beside it instead of waiting for it at
            the end. Then, so that under `mkdocs serve` the page of an edited file shows it soonest, the units
            whose source or a `seqdocs` module they name themselves changed after their output was written; then
            the shortest by their last run."""
            named = [unit.source, *(graph.modules[module] for module in graph.resolve(unit.source) or ())]
            touched, last = False, 0.0
            with contextlib.suppress(OSError):
                touched = max(path.stat().st_mtime for path in named) > project.outputs(unit)[1].stat().st_mtime
            with contextlib.suppress(OSError, ValueError):
                last = float((project.store(unit) / ".seconds").read_text())
            return not unit.long_running, not touched, last

        ran, failures = _run_batch(sorted((u for u in to_run if not u.nondeterministic), key=order),
                                   project, keys, JOBS, report)
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
    # Ctrl-C, or the hook's `stop`, interrupts it even where it started with SIGINT ignored (as `command &` does).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--force", action="store_true", help="run every unit, even if cached")
    parser.add_argument("--only", action="append", metavar="NAME", help="run only this unit (NAME or KIND:NAME); repeatable")
    parser.add_argument("--output", type=Path, help="output folder (default docs/generated)")
    parser.add_argument("--which", type=Path, metavar="FILE", help="list the units whose key holds FILE, and stop")
    options = parser.parse_args(argv)
    try:
        if options.which:
            graph, wanted = ImportGraph(ROOT), options.which.resolve()
            for unit in discover_units(Project(ROOT, ROOT / "docs" / "generated")):
                if wanted == unit.source or wanted in graph.dependencies(unit):
                    print(unit.label)
            return 0
        build_all(force=options.force, only=options.only, output=options.output,
                  report=lambda line: print(line, flush=True))
        if not options.only:  # then the wheel and every page's program, for download: scripts/build_downloads.py
            import build_downloads
            return build_downloads.main(docs=(options.output or ROOT / "docs" / "generated").resolve().parent)
    except BuildError as error:
        print(f"build_artifacts: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # its units are stopped and nothing half-written is kept: no traceback to show
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
