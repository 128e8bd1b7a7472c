#!/usr/bin/env bash
# Build the site into site/ (the default), or serve it while you edit: `scripts/site.sh serve`.
# Installs what it needs first; then runs the models through the cached artifact build
# (scripts/build_artifacts.py), which needs no site generator, and then the site generator on the pages.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/install.sh" docs
cd "$root"
export NO_MKDOCS_2_WARNING=1  # Material prints a banner about its successor on every build
case "${1:-build}" in
    build) .venv/bin/python scripts/build_artifacts.py && exec .venv/bin/mkdocs build --strict ;;
    serve) .venv/bin/python scripts/build_artifacts.py && exec .venv/bin/mkdocs serve --strict ;;
    *) echo "usage: scripts/site.sh [build|serve]" >&2; exit 2 ;;
esac
