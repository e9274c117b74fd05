#!/usr/bin/env bash
# Installs the system packages the tests need (idempotent): Chromium for the browser tests here, Jupyter's
# nbconvert and the notebooks' kernel package (notebooks/kernel) for the notebook tests, numpy
# for the independent indicator reference (tests/reference/noise_reference.py) when no python3 has it, and
# OpenStack Swift + memcached (install-swift.sh) for the real S3 server the object-store tests run against.
# Called by `npm test`; safe to run again: it only installs what is missing.
set -euo pipefail

bash "$(dirname "$0")/install-swift.sh"

# jupyter-nbconvert: the notebooks run in Jupyter too (tests/notebooks)
packages=(chromium jupyter-nbconvert)
# the reference test runs the first of python3 (PATH) and /usr/bin/python3 that imports numpy
if ! python3 -c 'import numpy' 2>/dev/null && ! /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
  packages+=(python3-numpy)
fi
bash "$(dirname "$0")/install-debian-packages.sh" "${packages[@]}"

# the notebooks' Jupyter kernel (tests/notebooks run them with `jupyter nbconvert --execute`)
[ -x "$(dirname "$0")/../notebooks/kernel/node_modules/tslab/bin/tslab" ] || npm ci --prefix "$(dirname "$0")/../notebooks/kernel" --no-audit --no-fund >&2
