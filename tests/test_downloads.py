"""What a reader takes home: the wheel, and each page's program as `.py` and `.ipynb` (scripts/build_downloads.py).

The quick tests read a made-up page: which blocks make its program, in what order, under which headings, with
which output, and where the page's download links go. The slow ones build the wheel twice and compare the bytes,
check the cache on a made-up project, and, on the built site, do what a reader does: follow the download links,
make a new virtual environment outside the repository, install the CPU torch and the wheel the Setup page links
(nothing else), run every downloaded `.py` and `.ipynb` there and compare what they print with the page.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import doctest
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
import tomllib
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import build_downloads  # noqa: E402 - scripts/ is not a package
import hooks_downloads  # noqa: E402
from test_code_blocks import normalized, python_examples  # noqa: E402

RUN_TIMEOUT_SECONDS = 300
"""Per program or notebook; the cost page's program measures for about 20 s on a busy 2-core machine."""
WORKERS = max(2, os.cpu_count() or 2)
"""Programs and notebooks run at once in the clean environment: one per core (they are CPU-bound)."""
NUMPY_WARNING = re.compile(
    r"[^\n]*UserWarning: Failed to initialize NumPy: No module named 'numpy'[^\n]*\n[ \t]+cpu = _conversion_method_template[^\n]*\n?")
"""What torch 2.13 writes to stderr on import when NumPy is missing: nothing here needs NumPy, so a reader who
installed only torch and seqdocs sees it (the Setup page says so, and how to silence it). Any other stderr fails."""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def fence(language: str, text: str, title: str = "") -> str:
    attributes = f' title="{title}"' if title else ""
    return f"```{language}{attributes}\n{text}```\n"


# --- reading a page's program (quick) ----------------------------------------------------------------------


def test_docstring_examples_of_the_scripts_pass() -> None:
    for module in (build_downloads, hooks_downloads):
        failed, attempted = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        assert attempted > 0 and failed == 0, module.__name__


@pytest.fixture
def made_up_docs(tmp_path: Path) -> Path:
    """A page with an included snippet (code and output), an inline block without output, nested sections, a
    console block and a code block holding a heading-like line, neither of which is Python."""
    docs = tmp_path / "docs"
    write(docs / "generated/snippets/first.md", fence("python", "print('one')\n", "first.py")
          + "\n" + fence("text", "one\n", "Output"))
    write(docs / "page.md", "\n".join([
        "# A page", "", "Text.", "",
        "## Part one", "", "### Detail", "",
        '--8<-- "generated/snippets/first.md"', "",
        "After the first.", "",
        "## Part two", "",
        fence("console", "pip install seqdocs\n"),
        fence("python", "# ## not a heading\nprint('two')\n"),
        "### Deeper", "",
        fence("python", "x = 3\nprint(x)\n"),
        fence("text", "3\n", "Output"),
        "The end.", "",
    ]))
    write(docs / "plain.md", "# Nothing to run\n\n" + fence("console", "ls\n"))
    return docs


def test_a_pages_program_is_its_python_blocks_in_order_with_headings_and_shown_output(made_up_docs: Path) -> None:
    program = build_downloads.read_program((made_up_docs / "page.md").read_text(), made_up_docs, "page.md")
    assert program.title == "A page"
    assert [cell.code for cell in program.cells] == ["print('one')\n", "# ## not a heading\nprint('two')\n",
                                                     "x = 3\nprint(x)\n"]
    assert [cell.output for cell in program.cells] == ["one\n", None, "3\n"]
    assert [[heading.text for heading in cell.headings] for cell in program.cells] == [
        ["Part one", "Detail"], ["Part two"], ["Part two", "Deeper"]]
    assert program.includes == [made_up_docs / "generated/snippets/first.md"]
    assert not build_downloads.read_program("# Nothing\n" + fence("console", "ls\n"), made_up_docs, "plain.md").cells


def test_a_missing_include_names_the_page_and_the_fix(made_up_docs: Path) -> None:
    with pytest.raises(build_downloads.DownloadError, match=r"page\.md: includes generated/x\.md.*build_artifacts"):
        build_downloads.read_program('--8<-- "generated/x.md"\n', made_up_docs, "page.md")


def test_the_notebook_has_each_heading_once_and_the_script_prints_what_the_page_shows(made_up_docs: Path, tmp_path: Path) -> None:
    program = build_downloads.read_program((made_up_docs / "page.md").read_text(), made_up_docs, "page.md")
    document = json.loads(build_downloads.notebook_text(build_downloads.notebook(program)))
    cells = [(cell["cell_type"], "".join(cell["source"])) for cell in document["cells"]]
    assert cells[0][1].startswith("# A page\n")
    assert cells[1:] == [("markdown", "## Part one"), ("markdown", "### Detail"), ("code", "print('one')"),
                         ("markdown", "## Part two"), ("code", "# ## not a heading\nprint('two')"),
                         ("markdown", "### Deeper"), ("code", "x = 3\nprint(x)")]
    outputs = [["".join(o["text"]) for o in cell["outputs"]] for cell in document["cells"] if cell["cell_type"] == "code"]
    assert outputs == [["one\n"], [], ["3\n"]]
    script = write(tmp_path / "page.py", build_downloads.script_text(build_downloads.notebook(program)))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path, check=True)
    assert done.stdout == "one\ntwo\n3\n"


def test_the_links_go_right_after_the_programs_last_output_and_are_relative(made_up_docs: Path) -> None:
    markdown = (made_up_docs / "page.md").read_text()
    linked = hooks_downloads.add_download_links(markdown, "page.md", made_up_docs).splitlines()
    at = next(n for n, line in enumerate(linked) if line.startswith("Download this program"))
    # Right after the last block's Output (its last line, "3", then the closing fence), before the next paragraph.
    assert linked[at - 3:at] == ["3", "```", ""] and linked[at + 1] == "{ .seqdocs-downloads }"
    assert at < linked.index("The end.") and linked[at + 2] == ""
    assert "[page.py](downloads/page.py)" in linked[at] and "[page.ipynb](downloads/page.ipynb)" in linked[at] \
        and "(setup.md#run-it-yourself)" in linked[at]
    nested = hooks_downloads.download_paragraph("chapter/page.md")
    assert "](../downloads/chapter/page.py)" in nested and "](../setup.md#run-it-yourself)" in nested
    plain = (made_up_docs / "plain.md").read_text()
    assert hooks_downloads.add_download_links(plain, "plain.md", made_up_docs) == plain


# --- the build: wheel and cache (slow) ---------------------------------------------------------------------


@pytest.mark.slow
def test_the_wheel_is_byte_reproducible_and_holds_the_package(tmp_path: Path) -> None:
    started = time.monotonic()
    first = build_downloads.build_wheel(ROOT, tmp_path / "first")
    # A second clone: other file modes and modification times, the same sources.
    clone = tmp_path / "clone"
    for path in build_downloads.wheel_sources(ROOT):
        copy = clone / path.relative_to(ROOT)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy)
        copy.chmod(0o664)
        os.utime(copy, (1_700_000_000, 1_700_000_000))
    umask = os.umask(0o002)  # and another umask
    try:
        second = build_downloads.build_wheel(clone, tmp_path / "second")
    finally:
        os.umask(umask)
    seconds = time.monotonic() - started
    assert first.read_bytes() == second.read_bytes(), "two builds of the same sources gave different wheels"
    print(f"two wheel builds in {seconds:.1f} s, {first.stat().st_size} bytes each")

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert first.name == f"{project['name']}-{project['version']}-py3-none-any.whl"
    with zipfile.ZipFile(first) as wheel:
        names = set(wheel.namelist())
        modules = {path.relative_to(ROOT).as_posix() for path in (ROOT / "seqdocs").rglob("*.py")
                   if "__pycache__" not in path.parts}
        assert {name for name in names if name.startswith("seqdocs/")} == modules
        meta = wheel.read(f"seqdocs-{project['version']}.dist-info/METADATA").decode()
    from packaging.requirements import Requirement

    required = [Requirement(line.split(":", 1)[1]) for line in meta.splitlines()
                if line.startswith("Requires-Dist:") and "extra ==" not in line]
    declared = [Requirement(text) for text in project["dependencies"]]
    assert [(r.name, r.specifier) for r in required] == [(r.name, r.specifier) for r in declared]


@pytest.mark.slow
def test_the_downloads_are_cached_and_follow_the_pages(tmp_path: Path) -> None:
    root = tmp_path / "project"
    write(root / "pyproject.toml", '[build-system]\nrequires = ["setuptools>=69"]\nbuild-backend = "setuptools.build_meta"\n'
          '[project]\nname = "seqdocs"\nversion = "9.8.7"\nreadme = "README.md"\ndependencies = []\n'
          '[tool.setuptools.packages.find]\ninclude = ["seqdocs", "seqdocs.*"]\n')
    write(root / "README.md", "# seqdocs\n")
    write(root / "seqdocs/__init__.py", "ANSWER = 42\n")
    docs = root / "docs"
    write(docs / "one.md", "# One\n\n## Run\n\n" + fence("python", "print(1)\n") + "\n" + fence("text", "1\n", "Output"))
    write(docs / "two.md", "# Two\n\n" + fence("python", "print(2)\n"))
    write(docs / "none.md", "# None\n")

    first = build_downloads.build(root, docs, report=lambda line: None)
    folder = docs / "downloads"
    assert sorted(first) == sorted(["seqdocs-9.8.7-py3-none-any.whl", "install.md", "one.py", "one.ipynb",
                                    "two.py", "two.ipynb"])
    assert "seqdocs-9.8.7-py3-none-any.whl" in (folder / "install.md").read_text()
    times = {path: path.stat().st_mtime_ns for path in folder.iterdir()}
    assert build_downloads.build(root, docs, report=lambda line: None) == []
    assert {path: path.stat().st_mtime_ns for path in folder.iterdir()} == times, "an up-to-date build wrote"

    write(docs / "one.md", "# One\n\n## Run\n\n" + fence("python", "print(11)\n"))
    (docs / "two.md").unlink()
    assert sorted(build_downloads.build(root, docs, report=lambda line: None)) == ["one.ipynb", "one.py"]
    assert not (folder / "two.py").exists() and not (folder / "two.ipynb").exists()
    assert "print(11)" in (folder / "one.py").read_text()

    write(root / "seqdocs/__init__.py", "ANSWER = 43\n")
    assert build_downloads.build(root, docs, report=lambda line: None) == ["seqdocs-9.8.7-py3-none-any.whl"]
    write(root / "seqdocs/__init__.py", "ANSWER = 42\n")  # undone: the kept wheel comes back, not a new build
    kept = sorted((root / "build" / "downloads").iterdir())
    assert build_downloads.build(root, docs, report=lambda line: None) == ["seqdocs-9.8.7-py3-none-any.whl"]
    assert sorted((root / "build" / "downloads").iterdir()) == kept

    stranger = tmp_path / "stranger"
    write(stranger / "downloads" / "mine.txt", "not the build's")
    with pytest.raises(build_downloads.DownloadError, match="refusing to clean"):
        build_downloads.build(root, stranger, report=lambda line: None)


# --- the reader's walk, on the built site (slow) -----------------------------------------------------------


@dataclass
class Program:
    """A downloadable file and what the page it comes from shows."""

    file: Path
    page: str
    blocks: list[str]
    """The code of each Python block the page shows, in order."""
    outputs: list[str | None]
    """What the page shows each block printed (None: no Output block)."""


def download_links(page_html: str) -> list[str]:
    paragraphs = re.findall(r'<p class="seqdocs-downloads">(.*?)</p>', page_html, re.S)
    return [href for paragraph in paragraphs for href in re.findall(r'<a [^>]*href="([^"]+)"', paragraph)]


def resolve(site: Path, page_output: str, href: str) -> Path:
    """The file a relative link of a built page points to, as a browser resolves it (from a server or file://)."""
    assert not urlsplit(href).scheme and not href.startswith("/"), f"{page_output}: {href} is not relative"
    return site / urlsplit(urljoin("http://site/" + page_output, href)).path.lstrip("/")


@pytest.fixture(scope="module")
def programs(built_site: Path, site_nav) -> list[Program]:
    """Every page's downloads, found by following its links, with what the page shows."""
    found = []
    for nav_page in site_nav:
        if nav_page.source.endswith(".ipynb"):
            continue
        html = (built_site / nav_page.output).read_text(encoding="utf-8")
        examples = python_examples(built_site / nav_page.output)
        targets = [resolve(built_site, nav_page.output, href) for href in download_links(html)]
        targets = [target for target in targets if target.parent == built_site / "downloads"]
        if not examples:
            assert not targets, f"{nav_page.source} has no Python block but offers downloads"
            continue
        stem = Path(nav_page.source).stem
        assert [t.name for t in targets] == [f"{stem}.py", f"{stem}.ipynb"], f"{nav_page.source}: links {targets}"
        for target in targets:
            assert target.is_file(), f"{nav_page.source} links {target}, which the site does not hold"
            found.append(Program(target, nav_page.source, [e.block.text for e in examples],
                                 [e.shown_output for e in examples]))
    assert len(found) >= 2 * 10, "expected a .py and an .ipynb for each tutorial and chapter page"
    return found


@pytest.fixture(scope="module")
def setup_links(built_site: Path, site_nav) -> dict[str, Path]:
    """The wheel and the walk-through notebook, as the Setup page links them."""
    page = next(p for p in site_nav if p.source == "setup.md")
    html = (built_site / page.output).read_text(encoding="utf-8")
    hrefs = re.findall(r'<a [^>]*href="([^"]+\.(?:whl|ipynb))"', html)
    return {Path(href).suffix: resolve(built_site, page.output, href) for href in hrefs if "walkthrough" in href
            or href.endswith(".whl")}


@pytest.mark.slow
def test_each_pages_downloads_hold_its_code_in_order_and_the_output_it_shows(programs: list[Program]) -> None:
    import jupytext

    for program in programs:
        document = jupytext.read(program.file)  # the .py through jupytext's percent format, the .ipynb as is
        code = [cell.source for cell in document.cells if cell.cell_type == "code"]
        assert [normalized(c) for c in code] == [normalized(b) for b in program.blocks], program.file.name
        if program.file.suffix == ".ipynb":
            shown = [normalized("".join(o["text"] for o in cell.outputs if o.get("name") == "stdout")) or None
                     for cell in document.cells if cell.cell_type == "code"]
            assert shown == [normalized(o) if o else None for o in program.outputs], program.file.name
            assert document.cells[0].cell_type == "markdown" and document.cells[0].source.startswith("# ")


def pip(*arguments: str, python: Path | None = None) -> list[str]:
    """A pip command run by this venv's pip (installing for `python`, if given): the clean venv needs no pip."""
    target = ["--python", str(python)] if python else []
    return [sys.executable, "-m", "pip", "--disable-pip-version-check", *target, "install", "--no-compile",
            "--quiet", *arguments]


def installed(python: Path) -> set[str]:
    """The distributions installed for `python`, as `name==version`."""
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--python", str(python), "list", "--format=freeze"]
    return set(run(command).stdout.split())


def run(command: list[str], **options) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, capture_output=True, text=True, **options)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
    return done


def reader_environment(**extra: str) -> dict[str, str]:
    """The environment of a reader's shell: nothing that points Python at this repository or its venv."""
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith("PYTHON") and name not in ("VIRTUAL_ENV", "JUPYTER_PATH")}
    return {**environment, "PATH": os.defpath, **extra}


@dataclass
class CleanEnvironment:
    python: Path
    kernel_tools: Path
    plot_tools: Path
    workdir: Path
    seconds: dict[str, float]


@pytest.fixture(scope="module")
def clean_environment(setup_links: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> CleanEnvironment:
    """A new venv outside the repository holding the CPU torch the site was built with and the Setup page's wheel.

    The notebooks' kernel needs ipykernel, the walk-through's figures matplotlib: each goes into a folder of its
    own, which only the kernels see (PYTHONPATH), so a `.py` program runs with torch and seqdocs alone.
    """
    base = tmp_path_factory.mktemp("reader")
    assert not base.resolve().is_relative_to(ROOT), "the clean environment must be outside the repository"
    venv, kernel_tools, plot_tools = base / "venv", base / "kernel-tools", base / "plot-tools"
    python = venv / "bin" / "python"
    constraints = ["--constraint", str(ROOT / "scripts" / "constraints.txt")]
    torch = metadata.version("torch")  # the exact build the site's numbers were computed with
    seconds = {}
    started = time.monotonic()

    def package_environment() -> None:
        run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
        run(pip(f"torch=={torch}", python=python))  # step 1 of Run it yourself: torch first
        before = installed(python)
        run(pip(str(setup_links[".whl"]), python=python))  # step 2: the wheel
        after = installed(python)
        added = sorted(after - before)
        assert [line.split("==")[0] for line in added] == ["seqdocs"], f"installing the wheel added {added}"
        seconds["venv, torch and the wheel"] = time.monotonic() - started

    def tools(folder: Path, *packages: str) -> None:
        run(pip("--target", str(folder), *constraints, *packages))
        seconds[f"{' '.join(packages)} (kernel side)"] = time.monotonic() - started

    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        jobs = [pool.submit(package_environment), pool.submit(tools, kernel_tools, "ipykernel"),
                pool.submit(tools, plot_tools, "matplotlib")]
        for job in jobs:
            job.result()
    where = run([str(python), "-c", "import seqdocs, torch; print(seqdocs.__file__); print(torch.__version__)"],
                cwd=base, env=reader_environment()).stdout.split()
    assert Path(where[0]).is_relative_to(venv) and where[1] == torch, where
    workdir = base / "work"
    workdir.mkdir()
    return CleanEnvironment(python, kernel_tools, plot_tools, workdir, seconds)


def run_script(environment: CleanEnvironment, program: Program) -> str | None:
    """Run a downloaded .py as `python lstm.py` from an empty folder; the problem, or None."""
    folder = environment.workdir / program.file.name
    folder.mkdir()
    script = shutil.copy(program.file, folder)
    try:
        done = subprocess.run([str(environment.python), script], cwd=folder, capture_output=True, text=True,
                              env=reader_environment(MPLBACKEND="Agg"), timeout=RUN_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        return f"{program.file.name}: still running after {RUN_TIMEOUT_SECONDS} s"
    if done.returncode != 0 or NUMPY_WARNING.sub("", done.stderr).strip():
        return f"{program.file.name}: exit status {done.returncode}, stderr:\n{done.stderr[-3000:]}"
    expected = "\n".join(normalized(output) for output in program.outputs if output)
    if normalized(done.stdout) != expected:
        return (f"{program.file.name} printed something else than {program.page} shows.\n--- page shows ---\n"
                f"{expected}\n--- it printed ---\n{normalized(done.stdout)}")
    return None


def execute_notebook(environment: CleanEnvironment, path: Path, plots: bool = False):
    """Execute a downloaded notebook on a kernel of the clean venv (nbclient), from an empty folder."""
    import nbformat
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient

    class CleanKernel(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
            return KernelSpec(argv=[str(environment.python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                              display_name="clean", language="python")

    folder = environment.workdir / path.name
    folder.mkdir()
    document = nbformat.read(shutil.copy(path, folder), as_version=4)
    tools = [environment.kernel_tools] + ([environment.plot_tools] if plots else [])
    manager = AsyncKernelManager(kernel_name="python3", kernel_spec_manager=CleanKernel())
    client = NotebookClient(document, km=manager, timeout=RUN_TIMEOUT_SECONDS, allow_errors=True,
                            resources={"metadata": {"path": str(folder)}})
    environment_variables = reader_environment(PYTHONPATH=os.pathsep.join(map(str, tools)))
    asyncio.run(client.async_execute(env=environment_variables, cleanup_kc=True))  # and shut the kernel down
    return document


def cell_texts(cell) -> list[str]:
    """What a cell printed (all of stdout, all of stderr but torch's NumPy warning) and displayed as text (HTML,
    plain text; not an image's), in order, errors too. A kernel splits a cell's printing into streams as it
    flushes, differently from run to run, so the streams are joined."""
    streams = {"stdout": "", "stderr": ""}
    texts = []
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            streams[output["name"]] += "".join(output["text"])
        elif output["output_type"] == "error":
            texts.append(f"error: {output['ename']}: {output['evalue']}")
        else:
            data = output.get("data", {})
            texts += [f"{kind}: {normalized(''.join(data[kind]))}" for kind in ("text/html", "text/plain") if kind in data
                      and not any(k.startswith("image/") for k in data)]
    streams["stderr"] = NUMPY_WARNING.sub("", streams["stderr"])
    return [f"{name}: {normalized(text)}" for name, text in streams.items() if text.strip()] + texts


def run_notebook(environment: CleanEnvironment, program: Program) -> str | None:
    """Execute a page's downloaded notebook; each code cell must print what the page shows for its block."""
    document = execute_notebook(environment, program.file)
    cells = [cell for cell in document.cells if cell.cell_type == "code"]
    printed = [cell_texts(cell) for cell in cells]
    expected = [[f"stdout: {normalized(output)}"] if output else [] for output in program.outputs]
    if printed != expected:
        return f"{program.file.name} (from {program.page}), executed:\n{printed}\n--- the page shows ---\n{expected}"
    return None


def run_walkthrough(environment: CleanEnvironment, path: Path) -> str | None:
    """Execute the walk-through notebook; every cell must print and display (as text) what the site shows."""
    import nbformat

    shown = nbformat.read(path, as_version=4)
    document = execute_notebook(environment, path, plots=True)
    for number, (before, after) in enumerate(zip(shown.cells, document.cells), 1):
        if cell_texts(before) != cell_texts(after):
            return f"{path.name} cell {number}: the site shows\n{cell_texts(before)}\nexecuted here:\n{cell_texts(after)}"
    return None


@pytest.mark.slow
def test_every_download_runs_in_a_clean_environment_and_prints_what_its_page_shows(
    clean_environment: CleanEnvironment, programs: list[Program], setup_links: dict[str, Path], built_site: Path
) -> None:
    published = sorted(p.name for p in (built_site / "downloads").iterdir() if p.suffix in (".py", ".ipynb"))
    offered = sorted([program.file.name for program in programs] + [setup_links[".ipynb"].name])
    assert published == offered, "a download that no page offers, or an offered one the site does not publish"
    started, children = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
    # Longest first (the cost page measures for about 20 s), so the short ones fill in beside it.
    ordered = sorted(programs, key=lambda program: program.page != "cost.md")
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        jobs = [pool.submit(run_walkthrough, clean_environment, setup_links[".ipynb"])]
        jobs += [pool.submit(run_script if p.file.suffix == ".py" else run_notebook, clean_environment, p)
                 for p in ordered]
        problems = [problem for job in jobs if (problem := job.result())]
    clean_environment.seconds["running"] = time.monotonic() - started
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    clean_environment.seconds["running, CPU of the programs and kernels"] = \
        used.ru_utime + used.ru_stime - children.ru_utime - children.ru_stime
    print("clean environment, seconds:", {name: round(s, 1) for name, s in clean_environment.seconds.items()})
    assert not problems, "\n\n".join(problems)
