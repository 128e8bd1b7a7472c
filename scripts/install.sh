#!/usr/bin/env bash
# Make .venv hold what seqdocs needs: `scripts/install.sh docs` for building the site, `... test` for the tests.
#
# torch is installed first and on its own, pinned to 2.13.0: on this project's machines pip finds that
# release as a CPU wheel on local disk, while a bare `torch` requirement would download a CUDA build of
# several GB. With it in place, pyproject.toml's range (torch>=2.2,<3) is already met and pip adds nothing.
# Everything else is pinned by scripts/constraints.txt, so two machines build byte-identical artifacts.
set -euo pipefail
extra="${1:-docs}"
case "$extra" in docs|test) ;; *) echo "usage: scripts/install.sh [docs|test]" >&2; exit 2 ;; esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
    echo "install: creating $venv"
    "$python" -m venv "$venv"
fi

# Skip pip entirely when nothing it reads has changed since the last successful install.
stamp="$venv/.seqdocs-$extra-$(cat "$root/pyproject.toml" "$root/scripts/constraints.txt" "$0" | sha256sum | cut -c1-16)"
if [ ! -e "$stamp" ]; then
    pip=("$venv/bin/python" -m pip --disable-pip-version-check --quiet)
    "$venv/bin/python" -c "import torch" 2>/dev/null || "${pip[@]}" install "torch==2.13.0"
    "${pip[@]}" install --constraint "$root/scripts/constraints.txt" --editable "$root[$extra]"
    # The notebook pages run on a Jupyter kernel; register this venv's python as it, inside the venv.
    "$venv/bin/python" -m ipykernel install --sys-prefix --name python3 >/dev/null
    touch "$stamp"
fi
