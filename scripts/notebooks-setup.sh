#!/usr/bin/env bash
# npm run notebooks:setup [-- --prefix DIR]
# Opens the notebooks in Jupyter: Debian's Jupyter (notebook server and nbconvert), the kernel's npm
# package (tslab, in notebooks/kernel/ with its own lock), then the kernel `observatory-typescript`
# (notebooks/harness/kernel.ts: the user's Jupyter data folder, or DIR/share/jupyter with --prefix).
# Idempotent: it only installs what is missing. docs/researchers.md says how to use it.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-debian-packages.sh jupyter-notebook jupyter-nbconvert
[ -x notebooks/kernel/node_modules/tslab/bin/tslab ] || npm ci --prefix notebooks/kernel --no-audit --no-fund >&2
exec npx tsx notebooks/harness/kernel.ts "$@"
