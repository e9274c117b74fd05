#!/usr/bin/env bash
# Installs OpenStack Swift (proxy with s3api, account, container, object servers), memcached and curl
# from the Debian archive, for the loopback S3 server the integration tests run against.
# Idempotent: does nothing when every package is already installed; runs `apt-get update` only when
# a package cannot be found in the current package lists.
set -euo pipefail

PACKAGES=(swift-proxy swift-account swift-container swift-object memcached curl)

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-swift: already installed (${PACKAGES[*]})"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-swift: missing packages: ${missing[*]}" >&2
  echo "install-swift: run as root, or: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# refresh the lists only when one of the packages has no installation candidate yet
for p in "${missing[@]}"; do
  candidate=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ { print $2 }')
  if [ -z "$candidate" ] || [ "$candidate" = "(none)" ]; then
    echo "install-swift: no candidate for $p in the package lists; running apt-get update"
    apt-get update -q
    break
  fi
done

echo "install-swift: installing ${missing[*]}"
if ! apt-get install -y -q --no-install-recommends "${missing[@]}"; then
  # stale package lists name versions the mirror no longer has: refresh once and retry
  echo "install-swift: install failed; running apt-get update and retrying"
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# the packages create the 'swift' user the workers drop to; swift-up.sh falls back to root without it
id swift >/dev/null 2>&1 || echo "install-swift: warning: user 'swift' was not created; swift-up.sh will run workers as root" >&2
echo "install-swift: done"
