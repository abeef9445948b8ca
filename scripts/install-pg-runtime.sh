#!/usr/bin/env bash
# Installs what the integration tests need to run the Postgres-backed LangGraph runtime (the second real server
# implementation the suite runs against, next to `langgraph dev`):
#   - PostgreSQL (15 or later) and redis-server from Debian's or Ubuntu's packages (apt-get, as root; skipped when
#     already present),
#   - as root: the OS user `reconciler-pg` (PostgreSQL refuses to run as root, so the tests start it as this user),
#   - the venv .venv-pg with langhost (it pins langgraph-api 0.11.1, so it cannot share .venv with `langgraph dev`).
# Idempotent, and it returns in well under a second when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${PG_VENV:-.venv-pg}
LANGHOST_VERSION=0.11.1.post1
PG_USER=reconciler-pg

# Any PostgreSQL 15 or later that Debian/Ubuntu packaged (/usr/lib/postgresql/<major>/bin); else Debian 12's
# postgresql-15, or the distribution's default where that package does not exist (16 on Ubuntu 24.04).
have_postgresql() {
    local initdb
    for initdb in /usr/lib/postgresql/*/bin/initdb; do
        [ -x "$initdb" ] || continue
        major=$(basename "$(dirname "$(dirname "$initdb")")")
        [ "$major" -ge 15 ] 2>/dev/null && return 0
    done
    return 1
}

missing_packages=()
have_postgresql || missing_packages+=(postgresql)
command -v redis-server >/dev/null || missing_packages+=(redis-server)
if [ ${#missing_packages[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "install-pg-runtime: missing ${missing_packages[*]}; run as root, or: sudo apt-get install ${missing_packages[*]}" >&2
        exit 1
    fi
    echo "install-pg-runtime: apt-get install ${missing_packages[*]}"
    apt-get update -q >/dev/null
    if [ "${missing_packages[0]}" = postgresql ] && apt-cache show postgresql-15 >/dev/null 2>&1; then
        missing_packages[0]=postgresql-15
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing_packages[@]}" >/dev/null
fi

if [ "$(id -u)" -eq 0 ] && ! id -u "$PG_USER" >/dev/null 2>&1; then
    echo "install-pg-runtime: adding OS user $PG_USER"
    useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER"
fi

[ -z "${SKIP_LANGHOST:-}" ] || exit 0  # install-aegra-runtime.sh wants PostgreSQL and its user only
if [ "$("$VENV/bin/langhost" --version 2>/dev/null || true)" != "langhost, version $LANGHOST_VERSION" ]; then
    echo "install-pg-runtime: pip install langhost==$LANGHOST_VERSION into $VENV"
    test -x "$VENV/bin/python" || "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet "langhost==$LANGHOST_VERSION"
fi
