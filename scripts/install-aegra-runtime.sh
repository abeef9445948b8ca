#!/usr/bin/env bash
# Installs what the integration tests need to run Aegra (aegra-api, a self-hosted Agent Protocol server for
# Python graphs, backed by PostgreSQL) as the `aegra` test runtime:
#   - PostgreSQL (15 or later) and the OS user it runs as, through scripts/install-pg-runtime.sh's first steps
#     (it is the same throw-away cluster the pg runtime uses),
#   - the venv .venv-aegra with a pinned aegra-api. Aegra needs Python 3.12 or later, which need not be the
#     Python of .venv: set AEGRA_PYTHON to one, else python3.12/python3.13 on PATH or under pyenv are used.
# Idempotent, and it returns in well under a second when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${AEGRA_VENV:-.venv-aegra}
AEGRA_VERSION=0.11.0

# PostgreSQL and its OS user: the pg runtime's installer does both (its langhost venv step is skipped here).
SKIP_LANGHOST=1 bash scripts/install-pg-runtime.sh

find_python() {
    local candidate
    for candidate in "${AEGRA_PYTHON:-}" python3.12 python3.13 python3.14 \
            "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[234]*/bin/python3; do
        [ -n "$candidate" ] || continue
        command -v "$candidate" >/dev/null 2>&1 || [ -x "$candidate" ] || continue
        if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

installed=$("$VENV/bin/python" -c 'from importlib.metadata import version; print(version("aegra-api"))' 2>/dev/null || true)
if [ "$installed" != "$AEGRA_VERSION" ]; then
    if ! python=$(find_python); then
        echo "install-aegra-runtime: Aegra needs Python 3.12 or later and none was found (tried \$AEGRA_PYTHON," \
             "python3.12-3.14 on PATH and under pyenv). Install one (e.g. \`pyenv install 3.12\`, or your" \
             "distribution's python3.12 and python3.12-venv) and run again with AEGRA_PYTHON=/path/to/python3.12;" \
             "or test without Aegra: RECONCILER_TEST_SERVERS=inmem,pg" >&2
        exit 1
    fi
    echo "install-aegra-runtime: pip install aegra-api==$AEGRA_VERSION into $VENV (with $python)"
    test -x "$VENV/bin/python" || "$python" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet "aegra-api==$AEGRA_VERSION"
fi
