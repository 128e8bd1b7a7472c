#!/usr/bin/env bash
# Install what the tests need (Python packages in .venv, Debian's Chromium for the browser tests), then run
# every test, the slow and browser ones included. Extra arguments go to pytest, e.g. `scripts/test.sh -k lstm`.
# SEQDOCS_TEST_WORKERS=2 runs them on two pytest-xdist workers, as CI does: the tests that share docs/generated/
# and the built site take file locks for them (tests/conftest.py, scripts/build_artifacts.py), so workers never race
# there. Serial by default: each worker collects everything again (about 50 s of CPU more on the quick tests, which
# take about 65 s alone), which a shared or one-core machine pays for.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/install.sh" test
if [ ! -x /usr/bin/chromium ]; then
    # Playwright drives Debian's Chromium; its own browser download cannot work offline.
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
cd "$root"
exec .venv/bin/python -m pytest -n "${SEQDOCS_TEST_WORKERS:-0}" "$@"
