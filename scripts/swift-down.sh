#!/usr/bin/env bash
# Stops the Swift servers and memcached that scripts/swift-up.sh started in DIR, by recorded PID only.
# usage: DIR=/abs/path scripts/swift-down.sh        (data in $DIR/node stays; rm -rf "$DIR" for a clean slate)
set -uo pipefail

DIR=${DIR:?set DIR to the folder swift-up.sh used}
DIR=${DIR%/}
shopt -s nullglob
pidfiles=("$DIR"/run/*.pid)
[ ${#pidfiles[@]} -gt 0 ] || { echo "swift-down: nothing recorded in $DIR/run"; exit 0; }

# SIGTERM to a swift parent also stops its worker (swift setsid()s, then killpg()s its own group).
# Never SIGKILL a parent: that orphans the worker.
for f in "${pidfiles[@]}"; do
  n=$(basename "$f" .pid) pid=$(cat "$f")
  [ "$n" = memcached ] || n="swift-$n-server"
  # skip a PID the system has since given to another process
  if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$n"; then kill -TERM "$pid" 2>/dev/null || true; fi
done
# wait up to 5 s for each, then forget the PID file
for f in "${pidfiles[@]}"; do
  pid=$(cat "$f")
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && echo "swift-down: process $pid ($(basename "$f" .pid)) still running after 5 s" >&2
  rm -f "$f"
done
rm -f "$DIR/run/ports.env" "$DIR/run/endpoint"
echo "swift stopped (DIR=$DIR)"
