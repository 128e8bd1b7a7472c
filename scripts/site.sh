#!/usr/bin/env bash
# Build the site into site/ (the default), or serve it while you edit: `scripts/site.sh serve`.
# Installs what it needs first; then runs the models through the cached artifact build
# (scripts/build_artifacts.py), which needs no site generator, and then the site generator on the pages.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/install.sh" docs
cd "$root"
# Material and mkdocs-gen-files (through properdocs) print banners about successors on every build.
export NO_MKDOCS_2_WARNING=1 DISABLE_MKDOCS_2_WARNING=true
case "${1:-build}" in
    # The hook (scripts/hooks_artifacts.py) need not check again what the line before has just built.
    # Then a look over the built pages for what --strict lets through: a leaked {placeholder}, a figure without
    # alt text, an API table split into rows (scripts/check_site.py).
    build) .venv/bin/python scripts/build_artifacts.py && SEQDOCS_ARTIFACTS_BUILT=1 .venv/bin/mkdocs build --strict \
        && exec .venv/bin/python scripts/check_site.py site ;;
    serve) .venv/bin/python scripts/build_artifacts.py && exec .venv/bin/mkdocs serve --strict ;;
    *) echo "usage: scripts/site.sh [build|serve]" >&2; exit 2 ;;
esac
