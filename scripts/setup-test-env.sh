#!/usr/bin/env bash
# Installs the system packages the tests need (idempotent): Chromium for the browser tests here, numpy
# for the independent indicator reference (tests/reference/noise_reference.py) when no python3 has it, and
# OpenStack Swift + memcached (install-swift.sh) for the real S3 server the object-store tests run against.
# Called by `npm test`; safe to run again: it only installs what is missing.
set -euo pipefail

bash "$(dirname "$0")/install-swift.sh"

packages=(chromium)
# the reference test runs the first of python3 (PATH) and /usr/bin/python3 that imports numpy
if ! python3 -c 'import numpy' 2>/dev/null && ! /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
  packages+=(python3-numpy)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "setup-test-env: these Debian packages are needed by the tests and missing: ${missing[*]}" >&2
  echo "setup-test-env: run as root (or: sudo apt-get install -y --no-install-recommends ${missing[*]})" >&2
  exit 1
fi

echo "setup-test-env: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# update the package lists only when they are missing or older than a day
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -1)" ]; then
  apt-get update -qq >&2
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
echo "setup-test-env: done" >&2
