"""The site's build machinery: the cached artifact build, the example harness and the mkdocs hooks.

The artifact build runs on a small project made in a temporary folder (a few tiny examples, a snippet, a
notebook and a two-module stand-in for `seqdocs`), with the real `scripts/build_artifacts.py` and the real
`_artifacts.py` and `_render.py`, so these tests never touch `docs/generated/` and take seconds.
"""

from __future__ import annotations

import contextlib
import html as html_module
import importlib.util
import json
import re
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from types import ModuleType

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = REPO_ROOT / "scripts"
EXAMPLES = SCRIPTS / "examples"


def load_script(path: Path, name: str) -> ModuleType:
    """Import a script of scripts/ by its path (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


build = load_script(SCRIPTS / "build_artifacts.py", "seqdocs_test_build_artifacts")
sys.path.insert(0, str(SCRIPTS))  # as mkdocs loads a hook: the hooks import build_artifacts beside them
hooks_artifacts = load_script(SCRIPTS / "hooks_artifacts.py", "seqdocs_test_hooks_artifacts")
hooks_math = load_script(SCRIPTS / "hooks_math.py", "seqdocs_test_hooks_math")
hooks_notebooks = load_script(SCRIPTS / "hooks_notebooks.py", "seqdocs_test_hooks_notebooks")
sys.path.insert(0, str(EXAMPLES))  # as for an example: `_artifacts` and `_render` are top-level modules
import _artifacts  # noqa: E402
import _render  # noqa: E402

# --- a small project to build ------------------------------------------------------------------------------

STAND_IN_PACKAGE = {
    "__init__.py": 'from .one import ONE\nfrom .two import TWO\n\n__version__ = "9.9"\n',
    "one.py": "ONE = 1\n",
    "two.py": "from .one import ONE\n\nTWO = ONE + 1\n",
}

EXAMPLE_SOURCES = {
    # A figure, a table, data and values: everything an example can write. Uses seqdocs.ONE only.
    "alpha": """
        import matplotlib.pyplot as plt
        from _artifacts import Artifacts
        from _render import figure_style, tensor_table

        import seqdocs


        def build(out: Artifacts) -> None:
            with figure_style():
                figure, axes = plt.subplots(figsize=(2, 1.5))
                axes.plot([0, 1, 2], [0, seqdocs.ONE, 0])
            out.figure("curve", figure, alt="A tent: up from 0 to 1 and back down to 0.")
            out.markdown("table", tensor_table([[0.5, -0.0], [1.0, 2.0]], ["a", "b"], ["x", "y"]))
            out.json("data", {"b": [1.5, 2.0], "a": 1})
            out.value("one", str(seqdocs.ONE))
            out.provenance(7)


        if __name__ == "__main__":
            from _artifacts import run_standalone

            run_standalone(build)
        """,
    # Uses seqdocs.TWO, which depends on seqdocs/one.py as well.
    "beta": """
        from _artifacts import Artifacts

        from seqdocs import TWO


        def build(out: Artifacts) -> None:
            out.markdown("note", f"Two is {TWO}.")
        """,
}

SNIPPET_SOURCE = 'print("hello from a snippet")\n'

NOTEBOOK_SOURCE = """\
# %% [markdown]
# # A notebook
#
# With maths: $x_t$.

# %%
print(sum(range(4)))
"""

NONDETERMINISTIC_EXAMPLE = """
    import time

    from _artifacts import Artifacts

    NONDETERMINISTIC = True


    def build(out: Artifacts) -> None:
        out.value("now", repr(time.time()))
    """


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def make_project(root: Path, *, notebook: bool = False) -> Path:
    """A project with the real example harness, two examples, a snippet and a stand-in seqdocs package."""
    (root / "scripts" / "examples").mkdir(parents=True)
    for name in ("_artifacts.py", "_render.py"):
        shutil.copy(EXAMPLES / name, root / "scripts" / "examples" / name)
    for name, source in STAND_IN_PACKAGE.items():
        write(root / "seqdocs" / name, source)
    for name, source in EXAMPLE_SOURCES.items():
        write(root / "scripts" / "examples" / f"{name}.py", source)
    write(root / "scripts" / "snippets" / "hello.py", SNIPPET_SOURCE)
    if notebook:
        write(root / "scripts" / "notebooks" / "tour.py", NOTEBOOK_SOURCE)
    return root


def run_build(root: Path, output: Path | None = None, **options) -> tuple[object, list[str]]:
    lines: list[str] = []
    report = build.build_all(root=root, output=output or root / "docs" / "generated", report=lines.append, **options)
    return report, lines


def ran_names(report) -> set[str]:
    return {unit.label for unit, _ in report.ran}


def snapshot(folder: Path) -> dict[str, int]:
    """Every path under the folder (the folder included) with its modification time in nanoseconds."""
    return {path.relative_to(folder).as_posix(): path.stat().st_mtime_ns for path in [folder, *folder.rglob("*")]}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


# --- the cache ---------------------------------------------------------------------------------------------


def test_first_build_writes_every_unit(project: Path) -> None:
    report, lines = run_build(project)
    generated = project / "docs" / "generated"
    assert ran_names(report) == {"example alpha", "example beta", "snippet hello"}
    assert sorted(path.name for path in (generated / "alpha").iterdir()) == [
        ".manifest.json", "curve.md", "curve.svg", "data.json", "provenance.md", "table.md", "values.json",
    ]
    assert json.loads((generated / "alpha" / "values.json").read_text()) == {"one": "1"}
    snippet = (generated / "snippets" / "hello.md").read_text()
    assert snippet == (
        '```python title="hello.py"\nprint("hello from a snippet")\n```\n\n'
        '```text title="Output"\nhello from a snippet\n```\n'
    )
    provenance = (generated / "alpha" / "provenance.md").read_text()
    assert "by seqdocs 9.9, torch " in provenance and "seed 7." in provenance
    assert any(line.startswith("artifacts: ran 3 in ") for line in lines)


def test_cache_hit_runs_nothing_and_writes_nothing(project: Path) -> None:
    run_build(project)
    generated = project / "docs" / "generated"
    before = snapshot(generated)
    report, lines = run_build(project)
    assert report.ran == []
    assert {unit.label for unit in report.cached} == {"example alpha", "example beta", "snippet hello"}
    assert snapshot(generated) == before, "a build with nothing to do changed files (mkdocs serve would loop)"
    assert lines[-1].startswith("artifacts: ran 0 in ") and lines[-1].endswith("3 up to date")


def test_undoing_an_edit_takes_the_kept_result_instead_of_running(project: Path) -> None:
    run_build(project)
    generated = project / "docs" / "generated"
    first = folder_bytes(generated / "beta")
    two = project / "seqdocs" / "two.py"
    original = two.read_text()
    two.write_text("from .one import ONE\n\nTWO = ONE + 2\n")
    report, _ = run_build(project)
    assert ran_names(report) == {"example beta"} and (generated / "beta" / "note.md").read_text().strip() == "Two is 3."
    two.write_text(original)
    report, _ = run_build(project)
    assert report.ran == [] and [unit.label for unit in report.restored] == ["example beta"]
    assert folder_bytes(generated / "beta") == first


def test_each_unit_is_in_place_as_soon_as_it_has_run(project: Path) -> None:
    """Under `mkdocs serve` a page shows a unit's output while slower units still run."""
    write(project / "scripts" / "snippets" / "slow.py", "import time\ntime.sleep(3)\n")
    generated, seen = project / "docs" / "generated", {}

    def report(line: str) -> None:
        if line.startswith("  ran "):
            seen[line.split()[2]] = {path.relative_to(generated).as_posix() for path in generated.rglob("*manifest.json")}

    build.build_all(root=project, report=report)
    assert "beta/.manifest.json" in seen["beta"] and "snippets/.slow.manifest.json" not in seen["beta"]
    assert "snippets/.slow.manifest.json" in seen["slow"]


def test_units_run_shortest_first_after_the_long_ones(project: Path) -> None:
    write(project / "scripts" / "snippets" / "slow.py", "import time\ntime.sleep(2)\n")
    write(project / "scripts" / "examples" / "long.py", "LONG_RUNNING = True\n\ndef build(out):\n    pass\n")
    first, _ = run_build(project)
    seconds = dict((unit.label, time) for unit, time in first.ran)
    _, lines = run_build(project, force=True)
    running = next(line for line in lines if line.startswith("artifacts: running "))
    order = running.removeprefix("artifacts: running ").rsplit(",", 1)[0].split(", ")
    assert order[0] == "example long" and seconds["snippet slow"] == max(seconds.values())
    assert order[1:] == sorted(order[1:], key=lambda label: round(seconds[label], 1)) and order[-1] == "snippet slow"


def test_units_that_name_an_edited_module_run_first(project: Path) -> None:
    """Under `mkdocs serve`, the page about the file just edited shows it before the pages that reach it further."""
    write(project / "scripts" / "examples" / "zeta.py", "import seqdocs\n\ndef build(out):\n    out.value('one', str(seqdocs.ONE))\n")
    run_build(project)
    for name, seconds in (("alpha", 5.0), ("beta", 0.0), ("zeta", 9.0)):  # as if measured: beta is the fastest
        (project / "build" / "artifacts" / f"example-{name}" / ".seconds").write_text(f"{seconds}\n")
    time.sleep(0.05)
    (project / "seqdocs" / "one.py").write_text("ONE = 1  # alpha and zeta name ONE; beta reads it through two.py\n")
    _, lines = run_build(project)
    running = next(line for line in lines if line.startswith("artifacts: running "))
    assert running.startswith("artifacts: running example alpha, example zeta, example beta, ")


def test_kept_results_are_bounded(project: Path) -> None:
    hello = project / "scripts" / "snippets" / "hello.py"
    for number in range(build.KEPT_RESULTS + 2):
        hello.write_text(f"print({number})\n")
        run_build(project, only=["snippet:hello"])
    kept = [path for path in (project / "build" / "artifacts" / "snippet-hello").iterdir() if path.name != ".seconds"]
    assert len(kept) == build.KEPT_RESULTS
    assert "print(5)" in (project / "docs" / "generated" / "snippets" / "hello.md").read_text()


def test_changed_source_reruns_only_that_unit(project: Path) -> None:
    run_build(project)
    beta = project / "scripts" / "examples" / "beta.py"
    beta.write_text(beta.read_text() + "# a comment changes the source, so the key\n")
    report, _ = run_build(project)
    assert ran_names(report) == {"example beta"}


def test_changed_package_module_reruns_only_the_units_that_use_it(project: Path) -> None:
    run_build(project)
    # beta imports TWO, defined in seqdocs/two.py; alpha uses seqdocs.ONE only (seqdocs/one.py).
    (project / "seqdocs" / "two.py").write_text("from .one import ONE\n\nTWO = ONE + ONE\n")
    report, _ = run_build(project)
    assert ran_names(report) == {"example beta"}
    (project / "seqdocs" / "one.py").write_text("ONE = 1  # used by both\n")
    report, _ = run_build(project)
    assert ran_names(report) == {"example alpha", "example beta"}


def test_imports_kept_between_builds_follow_each_files_content(project: Path) -> None:
    """A build reads each file's imports from the ones kept by the last build, by the file's SHA-256: an edit
    that drops an import is seen, even with the same size and modification time."""
    run_build(project)
    assert (project / build.IMPORTS_CACHE).is_file()
    two = project / "seqdocs" / "two.py"
    status = two.stat()
    two.write_text("TWO = 2\n".ljust(status.st_size - 1, "#") + "\n")  # imports nothing now; same size
    os.utime(two, ns=(status.st_atime_ns, status.st_mtime_ns))
    report, _ = run_build(project)
    assert ran_names(report) == {"example beta"}
    (project / "seqdocs" / "one.py").write_text("ONE = 1  # now used by alpha alone\n")
    report, _ = run_build(project)
    assert ran_names(report) == {"example alpha"}


def test_a_name_from_the_experiments_subpackage_counts_as_its_own_module(tmp_path: Path) -> None:
    """`seqdocs.experiments.FAST` reads experiments/fast.py, not everything experiments/__init__.py imports."""
    package = tmp_path / "seqdocs"
    write(package / "__init__.py", "from .one import ONE\n")
    write(package / "one.py", "ONE = 1\n")
    write(package / "experiments" / "__init__.py", "from .fast import FAST\nfrom .slow import SLOW\n")
    write(package / "experiments" / "fast.py", "FAST = 2\n")
    write(package / "experiments" / "slow.py", "from ..one import ONE\n\nSLOW = ONE\n")
    graph = build.ImportGraph(tmp_path)

    def files(code: str) -> set[str]:
        source = tmp_path / f"unit{len(list(tmp_path.glob('unit*')))}.py"
        write(source, code)
        return {path.relative_to(tmp_path).as_posix() for path in graph.dependencies(build.Unit("snippet", "u", source))}

    # Both spellings; the packages' __init__.py files are in the key, the modules they import only if used.
    for code in ("import seqdocs.experiments\nprint(seqdocs.experiments.FAST)\n",
                 "from seqdocs.experiments import FAST\nprint(FAST)\n"):
        assert files(code) == {"seqdocs/__init__.py", "seqdocs/experiments/__init__.py", "seqdocs/experiments/fast.py"}
    assert "seqdocs/one.py" in files("from seqdocs.experiments import SLOW\n")  # followed through slow's import
    everything = {path.relative_to(tmp_path).as_posix() for path in package.rglob("*.py")}
    assert files("import seqdocs.experiments\nrun(seqdocs.experiments)\n") == everything  # handed on: all of it
    assert files("import seqdocs\nprint(seqdocs.__version__)\n") == set()  # no module's code


def test_changed_harness_reruns_every_example(project: Path) -> None:
    run_build(project)
    render = project / "scripts" / "examples" / "_render.py"
    render.write_text(render.read_text() + "\n# changed\n")
    report, _ = run_build(project)
    assert ran_names(report) == {"example alpha", "example beta"}


def test_deleted_output_file_is_rebuilt(project: Path) -> None:
    run_build(project)
    (project / "docs" / "generated" / "alpha" / "curve.svg").unlink()
    report, _ = run_build(project)
    assert [unit.label for unit in report.restored] == ["example alpha"]  # copied back from its kept result
    assert (project / "docs" / "generated" / "alpha" / "curve.svg").is_file()
    (project / "docs" / "generated" / "alpha" / "curve.svg").unlink()
    shutil.rmtree(project / "build")
    report, _ = run_build(project)
    assert ran_names(report) == {"example alpha"}
    assert (project / "docs" / "generated" / "alpha" / "curve.svg").is_file()


# --- failures and stale output -----------------------------------------------------------------------------


def test_failing_example_fails_naming_it_and_leaves_no_partial_output(project: Path) -> None:
    write(
        project / "scripts" / "examples" / "gamma.py",
        """
        from _artifacts import Artifacts


        def build(out: Artifacts) -> None:
            out.markdown("first", "written before the failure")
            raise ValueError("gamma cannot compute this")
        """,
    )
    with pytest.raises(build.BuildError) as failure:
        run_build(project)
    message = str(failure.value)
    assert "example gamma" in message and "ValueError: gamma cannot compute this" in message
    generated = project / "docs" / "generated"
    assert not (generated / "gamma").exists()
    assert not [path.name for path in generated.iterdir() if path.name.startswith((".staging", ".retired"))]
    # The units that did not fail were still built and kept.
    assert (generated / "alpha" / "curve.svg").is_file() and (generated / "snippets" / "hello.md").is_file()


def test_unit_failing_after_success_loses_its_old_output(project: Path) -> None:
    run_build(project)
    write(project / "scripts" / "snippets" / "hello.py", 'import sys\nprint("partial")\nsys.exit("broken snippet")\n')
    with pytest.raises(build.BuildError) as failure:
        run_build(project)
    assert "snippet hello" in str(failure.value) and "broken snippet" in str(failure.value)
    snippets = project / "docs" / "generated" / "snippets"
    assert not (snippets / "hello.md").exists() and not (snippets / ".hello.manifest.json").exists()


def test_stale_outputs_are_removed(project: Path) -> None:
    run_build(project)
    (project / "scripts" / "examples" / "beta.py").unlink()
    (project / "scripts" / "snippets" / "hello.py").unlink()
    report, _ = run_build(project)
    generated = project / "docs" / "generated"
    assert not (generated / "beta").exists()
    assert sorted(path.name for path in (generated / "snippets").iterdir()) == []
    assert set(report.removed) == {"beta", "snippets/hello.md", "snippets/.hello.manifest.json"}


def test_refuses_to_clean_a_folder_it_did_not_create(project: Path) -> None:
    foreign = project / "docs"
    write(foreign / "index.md", "# A page that must survive\n")
    with pytest.raises(build.BuildError, match="refusing to clean"):
        run_build(project, output=foreign)
    assert (foreign / "index.md").is_file()


# --- reproducibility ---------------------------------------------------------------------------------------


@pytest.mark.slow  # real processes, signalled and waited for
def test_interrupt_stops_the_build_at_once_and_leaves_no_process(project: Path) -> None:
    # As Ctrl-C in a terminal: SIGINT to the build's whole process group, while slow units run.
    for number in range(4):
        write(project / "scripts" / "snippets" / f"slow{number}.py", "import time\ntime.sleep(120)\n")
    run_build_in_project = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('build', {str(SCRIPTS / 'build_artifacts.py')!r})\n"
        "build = importlib.util.module_from_spec(spec); sys.modules['build'] = build; spec.loader.exec_module(build)\n"
        f"build.build_all(root={str(project)!r}, report=lambda line: print(line, flush=True))\n"
    )
    started = subprocess.Popen(
        [sys.executable, "-c", run_build_in_project],
        cwd=project, env={**os.environ, "PYTHONPATH": str(project)}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True,  # its own group, which the test signals as a terminal would
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # pytest may run with SIGINT ignored
    )
    output = b""
    # Two at a time, in order: once alpha, beta and hello have run, two slow units are running.
    while not all(f"ran {label}".encode() in output for label in ("example alpha", "example beta", "snippet hello")):
        line = started.stdout.readline()
        assert line, f"the build ended before its slow units ran:\n{output.decode()}"
        output += line
    time.sleep(1)
    os.killpg(started.pid, signal.SIGINT)
    interrupted = time.monotonic()
    started.communicate(timeout=60)
    assert time.monotonic() - interrupted < 10, "the build went on running its units after Ctrl-C"
    assert started.returncode != 0
    # Every process the build started has the project on its PYTHONPATH (the fork server and its forks included).
    survivors = []
    for process in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if process.name.isdigit() and str(project).encode() in (process / "environ").read_bytes():
                survivors.append(process.name)
    assert not survivors, f"processes of the build outlived it: {survivors}"
    generated = project / "docs" / "generated"
    assert not list(generated.glob(".staging-*")), "an interrupted unit left its staging folder"


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.mark.slow
def test_two_clean_builds_are_byte_identical(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project", notebook=True)
    write(root / "scripts" / "examples" / "clock.py", NONDETERMINISTIC_EXAMPLE)
    first, first_lines = run_build(root, tmp_path / "first")
    shutil.rmtree(root / "build")  # no kept results: the second build runs every unit again
    second, _ = run_build(root, tmp_path / "second")
    assert "notebook tour" in ran_names(first) and "notebook tour" in ran_names(second)
    assert [unit.label for unit in first.nondeterministic] == ["example clock"]
    assert any("NONDETERMINISTIC" in line and line.endswith("example clock") for line in first_lines)
    one, two = folder_bytes(tmp_path / "first"), folder_bytes(tmp_path / "second")
    assert one.keys() == two.keys()
    reproducible = [name for name in one if not name.startswith("clock/") and name != ".lock"]
    differing = [name for name in reproducible if one[name] != two[name]]
    assert not differing, f"two clean builds differ in {differing}"
    notebook = json.loads(one["notebooks/tour.ipynb"])
    outputs = [output for cell in notebook["cells"] for output in cell.get("outputs", [])]
    assert outputs == [{"name": "stdout", "output_type": "stream", "text": ["6\n"]}]


# --- the example harness -----------------------------------------------------------------------------------


def test_tensor_table_formats_like_torch() -> None:
    table = _render.tensor_table([0.33669, -0.12881, -0.00001], ["x | y"], ["a", "b", "<c>"])
    assert table == "|  | a | b | &lt;c> |\n| :-- | --: | --: | --: |\n| x \\| y | 0.3367 | -0.1288 | 0.0000 |\n"


def test_figure_is_reproducible_text_svg_with_its_alt_text() -> None:
    import markdown
    import matplotlib.pyplot as plt

    alt = r"Gates $f_t$ [0.5, 1] `code` and \ backslash"
    svgs = []
    for _ in range(2):
        with _render.figure_style():
            figure, axes = plt.subplots(figsize=(3, 2))
            axes.plot([0, 1], [1, 0], label="a line")
            axes.set_title("Title")
        out = _artifacts.Artifacts("demo")
        out.figure("line", figure, alt=alt, caption=None)
        svgs.append(out.files["line.svg"])
    assert svgs[0] == svgs[1]
    assert b"<dc:date>" not in svgs[0] and b"Matplotlib v" not in svgs[0]
    assert b">Title</text>" in svgs[0], "text must stay text (svg.fonttype none)"
    snippet = out.files["line.md"].decode()
    assert "(generated/demo/line.svg)" in snippet and 'loading="lazy"' in snippet and 'width="' in snippet
    html = markdown.markdown(
        snippet,
        extensions=["attr_list", "md_in_html", "pymdownx.arithmatex", "pymdownx.inlinehilite", "pymdownx.superfences"],
        extension_configs={"pymdownx.arithmatex": {"generic": True}},
    )
    # Markdown must hand the alt text to the reader as written: no maths, code or escapes taken out of it.
    image_alt = html_module.unescape(re.search(r'<img alt="([^"]*)"', html).group(1))
    assert image_alt == alt


def test_figure_needs_alt_text() -> None:
    import matplotlib.pyplot as plt

    figure, _ = plt.subplots()
    with pytest.raises(ValueError, match="alt text"):
        _artifacts.Artifacts("demo").figure("empty", figure, alt="  ")


def test_provenance_fails_on_a_failed_check() -> None:
    class Check:
        model, reference, tolerance = "lstm", "torch.nn.LSTM", 1e-6

        def __init__(self, max_error: float) -> None:
            self.max_error = max_error
            self.passed = max_error <= self.tolerance

    out = _artifacts.Artifacts("demo")
    out.provenance(42, checks=[Check(3.1e-8)])
    text = out.files["provenance.md"].decode()
    # The numbers and names the note must carry, whatever its wording: seed, reference, tolerance, difference.
    assert re.search(r"\bseed 42\b", text) and "`torch.nn.LSTM`" in text
    assert {float(found) for found in re.findall(r"\d\.?\d*e-\d+", text)} == {1e-6, 3.1e-8}
    with pytest.raises(RuntimeError, match="lstm differs from torch.nn.LSTM"):
        _artifacts.Artifacts("demo").provenance(42, checks=[Check(2e-3)])


# --- the mkdocs hooks --------------------------------------------------------------------------------------


def test_values_are_substituted_and_unknown_ones_fail(tmp_path: Path) -> None:
    write(tmp_path / "lstm" / "values.json", '{"final_hidden": "(0.2778, 0.0413)"}')
    page = "Final: {{ lstm.final_hidden }} and {{lstm.final_hidden}}."
    assert hooks_artifacts.substitute_values(page, "lstm.md", tmp_path) == "Final: (0.2778, 0.0413) and (0.2778, 0.0413)."
    with pytest.raises(hooks_artifacts.UnknownValue) as unknown_key:
        hooks_artifacts.substitute_values("{{ lstm.final_hiden }}", "lstm.md", tmp_path)
    assert "lstm.md" in str(unknown_key.value) and "'final_hiden'" in str(unknown_key.value)
    assert "did you mean final_hidden" in str(unknown_key.value)
    with pytest.raises(hooks_artifacts.UnknownValue, match=r"gru\.md: .*no example 'grux'"):
        hooks_artifacts.substitute_values("{{ grux.final }}", "gru.md", tmp_path)


def test_serve_names_each_page_whose_units_are_still_running(tmp_path: Path, monkeypatch, caplog) -> None:
    """Under `mkdocs serve` a page is built at once with the outputs there are; the log names what is pending."""
    from types import SimpleNamespace

    docs = tmp_path / "docs"
    write(docs / "generated" / "lstm" / "values.json", '{"final": "0.5"}')
    pending = {label: docs / "generated" / path for label, path in [
        ("snippet rnn", "snippets/rnn.md"), ("example lstm", "lstm"), ("notebook walkthrough", "notebooks/walkthrough.ipynb")]}
    monkeypatch.setattr(hooks_artifacts, "pending", pending)  # (example rnn has landed)
    monkeypatch.setattr(hooks_artifacts, "waiting", {})
    pages = {"rnn.md": '--8<-- "generated/rnn/steps.md"\n\n--8<-- "generated/snippets/rnn.md"\n',
             "lstm.md": "Final: {{ lstm.final }}.", "gru.md": '--8<-- "generated/gru/steps.md"\n',
             "generated/notebooks/walkthrough.ipynb": "{}"}
    config = SimpleNamespace(docs_dir=str(docs))
    for name, markdown in pages.items():
        hooks_artifacts.on_page_markdown(markdown, SimpleNamespace(file=SimpleNamespace(src_uri=name)), config, None)
    assert hooks_artifacts.waiting == {"rnn.md": ["snippet rnn"], "lstm.md": ["example lstm"],
                                       "generated/notebooks/walkthrough.ipynb": ["notebook walkthrough"]}
    with caplog.at_level("INFO"):
        hooks_artifacts.on_post_build(config)
    assert "rnn.md (snippet rnn)" in caplog.text and "gru.md" not in caplog.text


def test_math_becomes_mathml_and_bad_math_fails() -> None:
    content = '<p><span class="arithmatex">\\(x_t &lt; 1\\)</span></p><div class="arithmatex">\\[\\sqrt{d}\\]</div>'
    converted = hooks_math.convert_arithmatex(content)
    assert converted.count("<math ") == 2 and 'display="block"' in converted and "\\(" not in converted
    assert 'alttext="x_t &lt; 1"' in converted
    assert '<div class="arithmatex" tabindex="0">' in converted and "<span class=\"arithmatex\" tabindex" not in converted
    with pytest.raises(hooks_math.MathError, match=r"Expected closing token \"\\right\""):
        hooks_math.convert_arithmatex('<span class="arithmatex">\\(\\left( x\\)</span>')
    with pytest.raises(hooks_math.MathError, match=r"Unknown command \"\\sigam\""):
        hooks_math.convert_arithmatex('<span class="arithmatex">\\(\\sigam(x)\\)</span>')


def test_notebook_pages_lose_inlined_css_and_scripts_and_gain_a_download_link() -> None:
    page = (
        '<style type="text/css">.jp-Cell{}</style><script src="https://cdnjs.example/require.js"></script>'
        '<script type="module">import("https://cdn.example/mermaid.js")</script>'
        '<h1 id="t">Tour</h1><p>Cost $O(T)$ in <code>$x$</code></p>'
        '<div class="highlight-ipynb hl-python"><pre><span></span><span class="n">x</span></pre></div>'
    )
    cleaned = hooks_notebooks.clean_notebook_html(page, "tour.ipynb")
    assert "<style" not in cleaned and "<script" not in cleaned
    assert '<a href="tour.ipynb" download>' in cleaned
    assert '<div class="language-python highlight"><pre><span></span><code><span class="n">x</span></code></pre></div>' in cleaned
    maths = hooks_math.convert_dollar_math(cleaned)
    assert maths.count("<math ") == 1 and "<code>$x$</code>" in maths
