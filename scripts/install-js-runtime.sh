#!/usr/bin/env bash
# Installs what the integration tests need to run the LangGraph.js dev server (the `js` runtime): the packages of
# graphs-js/package-lock.json (@langchain/langgraph-cli, @langchain/langgraph, zod, ...) into graphs-js/node_modules
# with `npm ci`. Needs Node.js 20 or later and npm (Debian: apt-get install nodejs npm, or NodeSource's packages).
# Idempotent: it returns at once when node_modules matches the lock file.
set -euo pipefail
cd "$(dirname "$0")/../graphs-js"

for tool in node npm; do
    command -v "$tool" >/dev/null || { echo "install-js-runtime: \`$tool\` not found; install Node.js 20 or later with npm" >&2; exit 1; }
done
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
    echo "install-js-runtime: Node.js $(node --version) is too old; the LangGraph.js server needs 20 or later" >&2
    exit 1
fi

# The stamp is newer than the lock file once `npm ci` installed it.
stamp=node_modules/.reconciler-installed
if [ -f "$stamp" ] && [ "$stamp" -nt package-lock.json ] && [ -x node_modules/.bin/langgraphjs ]; then
    exit 0
fi
echo "install-js-runtime: npm ci in graphs-js/"
npm ci --no-audit --no-fund --loglevel=error
touch "$stamp"
