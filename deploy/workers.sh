#!/usr/bin/env bash
# N Streamlit workers on this machine behind HAProxy on one port: `WORKERS=N ./run.sh` runs this.
#
# A visitor's first response sets the ATLAS_WORKER cookie; the session's websocket, its reconnects and its
# file uploads carry it and reach the same worker. HAProxy checks every worker's /_stcore/health each second
# and stops sending to one that fails twice; a worker that exits is started again here and rejoins once
# healthy. All workers share one store (ATLAS_USER_DATA, default data/user) and one cookie secret, so a
# visitor signed in with st.login (a cookie signed with it) stays signed in on another worker. Ctrl+C stops all.
# Environment: WORKERS (>= 1), PORT (8501), ADDRESS (127.0.0.1), WORKER_PORT (first worker's port: PORT+1),
# STATS_PORT (unset: none): HAProxy's status page on 127.0.0.1:STATS_PORT (/;csv for scripts).
set -euo pipefail
cd "$(dirname "$0")/.."
WORKERS=${WORKERS:?WORKERS=N}
[[ "$WORKERS" =~ ^[1-9][0-9]*$ ]] || { echo "WORKERS must be a whole number >= 1, not '$WORKERS'" >&2; exit 2; }
PORT=${PORT:-8501}
ADDRESS=${ADDRESS:-127.0.0.1}
WORKER_PORT=${WORKER_PORT:-$((PORT + 1))}

HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
if [ ! -x "$HAPROXY" ]; then
  echo "WORKERS=$WORKERS needs HAProxy: installing Debian's haproxy" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null
  HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
fi

RUN_DIR=$(mktemp -d -t atlas-workers.XXXXXX)
export STREAMLIT_SERVER_COOKIE_SECRET=${STREAMLIT_SERVER_COOKIE_SECRET:-$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')}

{
  cat <<CFG
global
    maxconn 4096

defaults
    mode http
    option redispatch
    retries 2
    timeout connect 3s
    timeout client 60s
    timeout server 60s
    timeout tunnel 1h
    timeout http-keep-alive 10s
    # A busy worker answers its health check late but answers; a dead one refuses at once.
    timeout check 10s

frontend atlas
    bind ${ADDRESS}:${PORT}
    default_backend workers

backend workers
    balance leastconn
    cookie ATLAS_WORKER insert indirect nocache httponly attr "SameSite=Lax"
    option httpchk GET /_stcore/health
    http-check expect status 200
    default-server inter 1s fall 2 rise 2
    http-response set-header X-Atlas-Worker %[srv_name]
CFG
  for i in $(seq 1 "$WORKERS"); do
    echo "    server w$i 127.0.0.1:$((WORKER_PORT + i - 1)) cookie w$i check"
  done
  if [ -n "${STATS_PORT:-}" ]; then
    printf 'frontend stats\n    bind 127.0.0.1:%s\n    stats enable\n    stats uri /\n    stats refresh 5s\n' "$STATS_PORT"
  fi
} > "$RUN_DIR/haproxy.cfg"
"$HAPROXY" -c -q -f "$RUN_DIR/haproxy.cfg"

declare -A PIDS
STOPPING=""
start_worker() {
  local i=$1 port=$((WORKER_PORT + $1 - 1))
  .venv/bin/python serve.py run app.py --server.port "$port" --server.address 127.0.0.1 --server.headless true &
  PIDS[$i]=$!
  echo "worker w$i on 127.0.0.1:$port (pid ${PIDS[$i]})"
}
stop_all() {
  STOPPING=1
  trap - INT TERM EXIT
  local pids=("${PIDS[@]}" ${HAPROXY_PID:-})
  kill "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "${pids[@]}" 2>/dev/null || break; sleep 0.2; done
  kill -9 "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$RUN_DIR"
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap stop_all EXIT

for i in $(seq 1 "$WORKERS"); do start_worker "$i"; done
for i in $(seq 1 "$WORKERS"); do      # HAProxy starts once every worker listens (its checks then pass at once)
  for _ in $(seq 1 240); do
    (exec 3<>"/dev/tcp/127.0.0.1/$((WORKER_PORT + i - 1))") 2>/dev/null && break
    kill -0 "${PIDS[$i]}" 2>/dev/null || { echo "worker w$i exited on start" >&2; exit 1; }
    sleep 0.5
  done
done
"$HAPROXY" -db -f "$RUN_DIR/haproxy.cfg" &
HAPROXY_PID=$!
echo "HAProxy on http://$ADDRESS:$PORT (pid $HAPROXY_PID) in front of $WORKERS workers; Ctrl+C stops them all"

# A worker that exits is started again 3 s later: HAProxy has taken it out by then (2 failed checks a second
# apart), so it always rejoins through its health checks, and a worker that cannot start does not spin.
declare -A EXITED
while [ -z "$STOPPING" ]; do
  sleep 1
  kill -0 "$HAPROXY_PID" 2>/dev/null || { echo "HAProxy exited" >&2; exit 1; }
  for i in "${!PIDS[@]}"; do
    if [ -n "${EXITED[$i]:-}" ]; then
      if [ $((SECONDS - EXITED[$i])) -ge 3 ]; then unset "EXITED[$i]"; start_worker "$i"; fi
    elif ! kill -0 "${PIDS[$i]}" 2>/dev/null; then
      wait "${PIDS[$i]}" 2>/dev/null || true
      echo "worker w$i (pid ${PIDS[$i]}) exited: starting it again in 3 s"
      EXITED[$i]=$SECONDS
    fi
  done
done
