#!/usr/bin/env bash
# scripts/install-debian-packages.sh PACKAGE… — installs the Debian packages given that are missing
# (idempotent), as root; otherwise names them and the command to run, and fails.
set -euo pipefail

missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "these Debian packages are needed and missing: ${missing[*]}" >&2
  echo "run as root (or: sudo apt-get install -y --no-install-recommends ${missing[*]})" >&2
  exit 1
fi

echo "installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# update the package lists only when they are missing or older than a day
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -1)" ]; then
  apt-get update -qq >&2
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
echo "installed ${missing[*]}" >&2
