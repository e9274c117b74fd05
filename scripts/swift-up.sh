#!/usr/bin/env bash
# Starts a one-node OpenStack Swift with the s3api middleware on 127.0.0.1: the S3 server the
# integration tests (and a local run that wants real S3 semantics) talk to.
#
# usage: DIR=/abs/path [SWIFT_PORT_BASE=n] [RUNUSER=swift|root] scripts/swift-up.sh
#
#   DIR              absolute base folder: etc/ (configs, rings), node/ (data), run/ (PIDs), log/
#   SWIFT_PORT_BASE  proxy = base, object = base+1, container = base+2, account = base+3,
#                    memcached = base+4; without it the defaults below. Each port can also be set on
#                    its own: SWIFT_PROXY_PORT, SWIFT_OBJECT_PORT, SWIFT_CONTAINER_PORT,
#                    SWIFT_ACCOUNT_PORT, SWIFT_MEMCACHED_PORT.
#   RUNUSER          user the worker processes drop to when started as root: 'swift' when that user
#                    exists, else root. Started by another user, everything runs as that user.
#   SWIFT_WORKERS    worker processes per server (default 1; more only helps with spare cores).
#   SWIFT_READY_TIMEOUT  seconds to wait for the servers to answer (default 120: ~4 s on an idle
#                    machine, but Python start-up of four servers is slow on a loaded one).
#
# S3 endpoint: http://127.0.0.1:$SWIFT_PROXY_PORT, credentials test:tester / testing (tempauth),
# region us-east-1, path-style addressing. Written to $DIR/run/endpoint and $DIR/run/ports.env.
# Running it again with the same DIR reuses the servers when they are all up on the same ports.
# Buckets are not created here: each test suite creates its own. Stop with scripts/swift-down.sh.
set -euo pipefail

DIR=${DIR:?set DIR to an absolute base folder}
case "$DIR" in /*) ;; *) echo "swift-up: DIR must be absolute (the servers chdir to /), got '$DIR'" >&2; exit 2 ;; esac
DIR=${DIR%/}

if [ -n "${SWIFT_PORT_BASE:-}" ]; then
  base=$SWIFT_PORT_BASE
  P_PROXY=${SWIFT_PROXY_PORT:-$base} P_OBJ=${SWIFT_OBJECT_PORT:-$((base + 1))} P_CONT=${SWIFT_CONTAINER_PORT:-$((base + 2))}
  P_ACC=${SWIFT_ACCOUNT_PORT:-$((base + 3))} P_MC=${SWIFT_MEMCACHED_PORT:-$((base + 4))}
else
  P_PROXY=${SWIFT_PROXY_PORT:-18480} P_OBJ=${SWIFT_OBJECT_PORT:-16410} P_CONT=${SWIFT_CONTAINER_PORT:-16411}
  P_ACC=${SWIFT_ACCOUNT_PORT:-16412} P_MC=${SWIFT_MEMCACHED_PORT:-11511}
fi
PORTS="P_PROXY=$P_PROXY P_OBJ=$P_OBJ P_CONT=$P_CONT P_ACC=$P_ACC P_MC=$P_MC"
WORKERS=${SWIFT_WORKERS:-1}

for bin in swift-proxy-server swift-account-server swift-container-server swift-object-server swift-ring-builder memcached curl; do
  command -v "$bin" >/dev/null || { echo "swift-up: '$bin' not found; install Swift first: sudo bash scripts/install-swift.sh" >&2; exit 1; }
done

ME=$(id -un)
if [ "$(id -u)" -ne 0 ]; then
  RUNUSER=$ME # not root: the servers cannot switch user, they run as the caller
elif [ -z "${RUNUSER:-}" ]; then
  if id swift >/dev/null 2>&1; then RUNUSER=swift; else RUNUSER=root; fi
fi
id "$RUNUSER" >/dev/null 2>&1 || { echo "swift-up: RUNUSER '$RUNUSER' does not exist (use RUNUSER=root)" >&2; exit 1; }
MC_USER=$ME
[ "$ME" != root ] || { id memcache >/dev/null 2>&1 && MC_USER=memcache; } # memcached refuses root without -u

ENDPOINT="http://127.0.0.1:$P_PROXY"
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# process name to expect in /proc/<pid>/cmdline for each PID file
proc_name() { if [ "$1" = memcached ]; then echo memcached; else echo "swift-$1-server"; fi; }
alive() { # <name>: the recorded PID is still the process we started
  local f="$DIR/run/$1.pid" pid
  [ -f "$f" ] || return 1
  pid=$(cat "$f")
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$(proc_name "$1")"
}
healthy() { [ "$(curl -s --max-time 2 "$ENDPOINT/healthcheck")" = OK ]; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# reuse: every process alive, same ports, proxy healthy
if [ -f "$DIR/run/ports.env" ] && [ "$(cat "$DIR/run/ports.env")" = "$PORTS" ]; then
  all=1
  for n in memcached account container object proxy; do alive "$n" || all=0; done
  if [ "$all" = 1 ] && healthy; then echo "swift already running at $ENDPOINT (DIR=$DIR)"; exit 0; fi
fi
# anything left of an earlier start with this DIR goes first
if compgen -G "$DIR/run/*.pid" >/dev/null; then DIR="$DIR" bash "$SCRIPT_DIR/swift-down.sh"; fi

for p in $P_PROXY $P_OBJ $P_CONT $P_ACC $P_MC; do
  if port_busy "$p"; then
    echo "swift-up: port $p on 127.0.0.1 is already in use; choose other ports with SWIFT_PORT_BASE=<n>" >&2
    exit 1
  fi
done

mkdir -p "$DIR"/{etc,node/d1,run,log}
chmod 755 "$DIR"
[ "$RUNUSER" = "$ME" ] || chown -R "$RUNUSER": "$DIR/node" # storage must be writable by the workers
if [ "$RUNUSER" != "$ME" ] && command -v runuser >/dev/null && ! runuser -u "$RUNUSER" -- test -w "$DIR/node/d1"; then
  echo "swift-up: user '$RUNUSER' cannot write $DIR/node/d1 (a parent folder not searchable?); use a folder it can reach or RUNUSER=root" >&2
  exit 1
fi

# account/container/object-server.conf: identical apart from type and port
for pair in account:$P_ACC container:$P_CONT object:$P_OBJ; do
  t=${pair%%:*} port=${pair##*:}
  cat >"$DIR/etc/$t-server.conf" <<CONF
[DEFAULT]
devices = $DIR/node
mount_check = false
bind_ip = 127.0.0.1
bind_port = $port
workers = $WORKERS
user = $RUNUSER
swift_dir = $DIR/etc
[pipeline:main]
pipeline = $t-server
[app:$t-server]
use = egg:swift#$t
CONF
done
# multipart uploads need slo after s3api; tempauth user test:tester / testing
cat >"$DIR/etc/proxy-server.conf" <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $P_PROXY
workers = $WORKERS
user = $RUNUSER
swift_dir = $DIR/etc
[pipeline:main]
pipeline = catch_errors healthcheck proxy-logging cache s3api tempauth slo proxy-logging proxy-server
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
[filter:s3api]
use = egg:swift#s3api
location = us-east-1
multi_delete_concurrency = 8
[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$P_MC
[filter:catch_errors]
use = egg:swift#catch_errors
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:slo]
use = egg:swift#slo
CONF

# rings: 2^10 partitions, 1 replica, min_part_hours 1, one device each. Built in one Python process
# with swift's own RingBuilder (0.6 s) rather than 9 swift-ring-builder calls (6 s); the CLI stays
# as the fallback. The interpreter is the one swift-ring-builder runs under (swift is not on pyenv's).
build_rings_py() {
  local py
  py=$(head -1 "$(command -v swift-ring-builder)" | sed -e 's/^#! *//')
  "$py" - "$DIR/etc" "$P_ACC" "$P_CONT" "$P_OBJ" <<'PY'
import sys
from swift.common.ring import RingBuilder
etc, ports = sys.argv[1], dict(zip(('account', 'container', 'object'), map(int, sys.argv[2:5])))
for t, port in ports.items():
    b = RingBuilder(10, 1, 1)
    b.add_dev({'id': 0, 'region': 1, 'zone': 1, 'ip': '127.0.0.1', 'port': port, 'device': 'd1', 'weight': 100})
    b.rebalance()
    b.get_ring().save(f'{etc}/{t}.ring.gz')
    b.save(f'{etc}/{t}.builder')
PY
}
build_rings_cli() {
  for pair in account:$P_ACC container:$P_CONT object:$P_OBJ; do
    t=${pair%%:*} port=${pair##*:}
    rm -f "$DIR/etc/$t.builder"
    swift-ring-builder "$DIR/etc/$t.builder" create 10 1 1
    swift-ring-builder "$DIR/etc/$t.builder" add "r1z1-127.0.0.1:$port/d1" 100
    swift-ring-builder "$DIR/etc/$t.builder" rebalance
  done
}
{ build_rings_py || build_rings_cli; } >"$DIR/log/rings.log" 2>&1 || { echo "swift-up: building the rings failed; see $DIR/log/rings.log" >&2; exit 1; }

# start in the background, one PID file each (-v: log to the console, i.e. our log files; no syslog here)
memcached -l 127.0.0.1 -p "$P_MC" -U 0 -m 64 -u "$MC_USER" >"$DIR/log/memcached.log" 2>&1 &
echo $! >"$DIR/run/memcached.pid"
for t in account container object proxy; do
  "swift-$t-server" "$DIR/etc/$t-server.conf" -v >"$DIR/log/$t.log" 2>&1 &
  echo $! >"$DIR/run/$t.pid"
done
echo "$PORTS" >"$DIR/run/ports.env"
echo "$ENDPOINT" >"$DIR/run/endpoint"

# readiness: backends answer HTTP (400 is fine), memcached accepts, proxy /healthcheck says OK
ready() {
  for p in $P_ACC $P_CONT $P_OBJ; do curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$p/" || return 1; done
  port_busy "$P_MC" && healthy
}
deadline=$((SECONDS + ${SWIFT_READY_TIMEOUT:-120}))
while [ "$SECONDS" -lt "$deadline" ]; do
  if ready; then echo "swift ready at $ENDPOINT (DIR=$DIR, workers as $RUNUSER)"; exit 0; fi
  for n in memcached account container object proxy; do
    alive "$n" || { echo "swift-up: $(proc_name "$n") exited; last lines of $DIR/log/$n.log:" >&2; tail -n 20 "$DIR/log/$n.log" >&2; DIR="$DIR" bash "$SCRIPT_DIR/swift-down.sh"; exit 1; }
  done
  sleep 0.2
done
echo "swift-up: swift did not come up within ${SWIFT_READY_TIMEOUT:-120} s; see $DIR/log" >&2
DIR="$DIR" bash "$SCRIPT_DIR/swift-down.sh"
exit 1
