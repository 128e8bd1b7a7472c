"""The warm Python the build runs examples and snippets in: each script must behave as under `python script.py`."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "warm_python.py"
spec = importlib.util.spec_from_file_location("seqdocs_test_warm_python", SCRIPT)
warm_python = importlib.util.module_from_spec(spec)
spec.loader.exec_module(warm_python)

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the warm Python forks; the build does not use it here")

# Prints what a script can see of its process, leaves a mark in a preloaded module, and exits as told.
PROBE = """
import json, os, sys
import json as preloaded

print(json.dumps({
    "argv": sys.argv[1:],
    "cwd": os.getcwd(),
    "path0": sys.path[0],
    "name": __name__,
    "marked_before": hasattr(preloaded, "seqdocs_mark"),
    "stdin": sys.stdin.read(),
}))
print("to stderr", file=sys.stderr)
preloaded.seqdocs_mark = True
if len(sys.argv) > 1 and sys.argv[1] == "fail":
    raise ValueError("asked to fail")
if len(sys.argv) > 1 and sys.argv[1] == "exit":
    sys.exit(sys.argv[2] if not sys.argv[2].isdigit() else int(sys.argv[2]))
"""


@pytest.fixture
def probe(tmp_path: Path) -> Path:
    folder = tmp_path / "scripts"
    folder.mkdir()
    path = folder / "probe.py"
    path.write_text(textwrap.dedent(PROBE))
    return path


@pytest.fixture
def warm():
    python = warm_python.WarmPython(dict(os.environ), preload=("json",))
    yield python
    python.close()


def cold_run(script: Path, arguments: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(script), *arguments], cwd=cwd, capture_output=True,
                          stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("arguments", [[], ["a", "b c"], ["exit", "3"], ["exit", "bad things"], ["fail"]])
def test_a_script_sees_and_does_what_it_would_in_a_new_interpreter(warm, probe: Path, tmp_path: Path, arguments) -> None:
    work = tmp_path / "work"
    work.mkdir()
    warm_result = warm.run([str(probe), *arguments], work, timeout=60)
    cold_result = cold_run(probe, arguments, work)
    assert warm_result.returncode == cold_result.returncode
    assert warm_result.stdout == cold_result.stdout
    # The last lines of stderr: a traceback's frames differ (runpy sits above the script), its message does not.
    assert warm_result.stderr.splitlines()[-1:] == cold_result.stderr.splitlines()[-1:]
    assert warm_result.stderr.splitlines()[0] == cold_result.stderr.splitlines()[0] == b"to stderr"


def test_no_script_sees_what_an_earlier_one_left_in_the_warm_process(warm, probe: Path, tmp_path: Path) -> None:
    for _ in range(3):
        result = warm.run([str(probe)], tmp_path, timeout=60)
        assert b'"marked_before": false' in result.stdout


def test_a_script_that_runs_too_long_is_killed_in_time(warm, tmp_path: Path) -> None:
    sleeper = tmp_path / "sleeper.py"
    sleeper.write_text("import time\ntime.sleep(60)\n")
    start = time.monotonic()
    with pytest.raises(warm_python.ScriptTimeout):
        warm.run([str(sleeper)], tmp_path, timeout=1)
    assert time.monotonic() - start < 10


def test_a_crash_of_the_process_is_reported_not_hidden(warm, tmp_path: Path) -> None:
    crasher = tmp_path / "crasher.py"
    crasher.write_text("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n")
    result = warm.run([str(crasher)], tmp_path, timeout=60)
    assert result.returncode < 0  # killed by a signal, as subprocess reports it
    # ... and the warm process goes on serving.
    again = tmp_path / "again.py"
    again.write_text("print('still here')\n")
    assert warm.run([str(again)], tmp_path, timeout=60).stdout == b"still here\n"
