"""A Python that has already imported torch and matplotlib, and runs each script in a fresh fork of itself.

Every unit of the site's build runs in a process of its own, so no unit sees another's state. Started from
nothing, each such process spends about two seconds of processor time importing torch, NumPy, matplotlib and
`seqdocs` before it computes anything, and a build runs some thirty of them. A warm Python pays that once: it
imports them, then for each script it forks, and the child (a copy of the warm process, with nothing of any
earlier script in it) runs the script as `python script.py ...` would, its output going to the files it is
given. The parent waits for the child and answers with its exit status.

    python scripts/warm_python.py MODULE ...      # reads one JSON request a line, answers one a line

The client side is `WarmPython`. A warm process must start after the code it preloads last changed: the
build (`scripts/build_artifacts.py`) starts its warm processes anew each time it has units to run, and stops
them when it is done. Fork is POSIX only; elsewhere the build starts a new interpreter for each unit.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

THIS_FILE = Path(__file__).resolve()

PRELOAD = ("torch", "numpy", "matplotlib.pyplot", "seqdocs")
"""What the warm process imports before its first fork: what nearly every unit imports first."""


class ScriptTimeout(RuntimeError):
    """The script ran longer than it was given; it and its warm process were killed."""


def _exit_status(code: object) -> int:
    """The exit status `python script.py` gives for `sys.exit(code)`."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _child(request: dict) -> int:
    """Run one script in this freshly forked process as `python argv[0] argv[1:]` would; return its status."""
    for descriptor, path, flags in (
        (0, os.devnull, os.O_RDONLY),
        (1, request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
        (2, request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
    ):
        opened = os.open(path, flags, 0o644)
        os.dup2(opened, descriptor)
        os.close(opened)
    os.chdir(request["cwd"])
    sys.argv = list(request["argv"])
    script = os.path.abspath(sys.argv[0])
    sys.path[0] = os.path.dirname(script)  # the script's folder comes first, as for `python script.py`
    import runpy

    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as exit:
        return _exit_status(exit.code)
    except BaseException:
        traceback.print_exc()
        return 1
    return 0


def serve(preload: list[str]) -> None:
    """The warm process: import `preload`, then fork a child for each request read from standard input."""
    for module in preload:
        with contextlib.suppress(Exception):  # a script that needs a missing module will say so itself
            importlib.import_module(module)
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    for line in sys.stdin:
        request = json.loads(line)
        process = os.fork()
        if process == 0:
            # The child leaves through SystemExit, so the interpreter shuts down as after any script:
            # atexit handlers run, non-daemon threads are joined, buffered output is flushed.
            sys.exit(_child(request))
        _, status = os.waitpid(process, 0)
        answers.write(json.dumps({"status": os.waitstatus_to_exitcode(status)}) + "\n")
        answers.flush()


class WarmPython:
    """The client of one warm process: runs scripts in it, one at a time.

    Args:
        environment: The warm process's environment, which every script it runs inherits.
        preload: The modules it imports before its first script.
    """

    def __init__(self, environment: dict[str, str], preload: tuple[str, ...] = PRELOAD) -> None:
        self._process = subprocess.Popen(
            [sys.executable, str(THIS_FILE), *preload],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=environment,
            start_new_session=True,  # its own process group: a timeout kills it and its child together
        )

    def run(self, argv: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess:
        """Run `python *argv` in a fresh fork, in `cwd`; the result holds its exit status and its output.

        Raises:
            ScriptTimeout: If it runs longer than `timeout` seconds (this warm process is then unusable).
            RuntimeError: If the warm process itself has died.
        """
        with tempfile.TemporaryDirectory(prefix="seqdocs-warm-") as folder:
            stdout, stderr = Path(folder) / "stdout", Path(folder) / "stderr"
            request = {"argv": [str(part) for part in argv], "cwd": str(cwd), "stdout": str(stdout), "stderr": str(stderr)}
            try:
                self._process.stdin.write((json.dumps(request) + "\n").encode())
                self._process.stdin.flush()
            except BrokenPipeError:
                raise RuntimeError("the warm Python process has died") from None
            readable, _, _ = select.select([self._process.stdout], [], [], timeout)
            if not readable:
                self.close(kill=True)
                raise ScriptTimeout(f"{argv[0]} ran longer than {timeout} s")
            answer = self._process.stdout.readline()
            if not answer:
                raise RuntimeError(f"the warm Python process died while running {argv[0]}")
            status = json.loads(answer)["status"]
            return subprocess.CompletedProcess(argv, status, stdout.read_bytes(), stderr.read_bytes())

    def close(self, kill: bool = False) -> None:
        """Stop the warm process: at once with `kill`, else by closing its input, which ends its loop."""
        if self._process.poll() is not None:
            return
        if kill:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGKILL)
        else:
            with contextlib.suppress(BrokenPipeError):
                self._process.stdin.close()
        self._process.wait()
        self._process.stdout.close()
        with contextlib.suppress(BrokenPipeError):
            self._process.stdin.close()


if __name__ == "__main__":
    serve(sys.argv[1:])
