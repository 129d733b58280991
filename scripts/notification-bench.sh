#!/usr/bin/env bash
# What the event outbox and the notification service cost the order path, and how fast notification
# drains a backlog: the README's figures. Release builds; run it alone on the machine:
#
#   flock /tmp/warehouse-bench.lock scripts/notification-bench.sh NEW [BASE] [ROUNDS]
#
# NEW is this build's binary; BASE (optional) a build without the outbox, for the outbox's own cost.
# Each round starts a fresh `warehouse up` per configuration, in this order, and puts
# `warehouse load --bench` (64 clients, 20 s) on it:
#   base     BASE: no outbox, no notification service
#   paused   NEW with the notification process stopped (SIGSTOP) once up: the outbox alone
#   running  NEW with notification following the feed: outbox and consumer
# It prints orders/s, p99, and (running) notification's largest lag during the run. Then the drain:
# NEW with notification stopped while 50,000 orders (100,000 events) are placed, then resumed; it
# prints how long notification took to read them all and make the 50,000 notifications.
set -euo pipefail
new=$1 base=${2:-} rounds=${3:-3}
out=$(mktemp -d)
trap 'stop; rm -rf "$out"' EXIT
up_pid=""

# start BINARY: `warehouse up` on free ports with a fresh data directory; returns once it is up.
start() {
  local binary=$1
  data_dir=$(mktemp -d)
  read -r order_port inventory_port console_port notification_port < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(4)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])')
  local ports=(--order-port "$order_port" --inventory-port "$inventory_port" --console-port "$console_port")
  if "$binary" up --help 2>&1 | grep -q -- --notification-port; then ports+=(--notification-port "$notification_port"); fi
  "$binary" up --data-dir "$data_dir" "${ports[@]}" > "$out/up.log" 2>&1 &
  up_pid=$!
  until grep -q '^warehouse is up$' "$out/up.log"; do
    kill -0 "$up_pid" 2>/dev/null || { cat "$out/up.log" >&2; exit 1; }
    sleep 0.2
  done
}

stop() {
  if [ -n "$up_pid" ]; then
    [ -f "$data_dir/run/notification.pid" ] && kill -CONT "$(cat "$data_dir/run/notification.pid")" 2>/dev/null || true
    kill -TERM "$up_pid" 2>/dev/null || true
    wait "$up_pid" 2>/dev/null || true
    rm -rf "$data_dir"
    up_pid=""
  fi
}

# bench BINARY NAME [MORE LOAD ARGUMENTS]: one `load --bench` against the running system.
bench() {
  local binary=$1 name=$2
  shift 2
  "$binary" load --bench --orders 80000 --time-limit 20 --order-url "http://127.0.0.1:$order_port" \
    --inventory-url "http://127.0.0.1:$inventory_port" --data-dir "$data_dir" --report-dir "$out/$name" "$@" \
    > "$out/$name.txt" 2>&1 || { cat "$out/$name.txt" >&2; exit 1; }
  local throughput p99 lag
  throughput=$(grep -o 'Throughput: \*\*[0-9]* orders/s' "$out/$name.txt" | grep -o '[0-9]*')
  p99=$(grep '^| answers' "$out/$name.txt" | awk -F'|' '{print $5}' | tr -d ' ')
  lag=$(grep -o 'lag at most [0-9]* events, [0-9.]* s' "$out/$name.txt" || true)
  echo "$name: $throughput orders/s, p99 $p99 ms${lag:+, notification $lag}"
}

for round in $(seq 1 "$rounds"); do
  echo "== round $round"
  if [ -n "$base" ]; then start "$base"; bench "$base" base; stop; fi
  start "$new"; kill -STOP "$(cat "$data_dir/run/notification.pid")"; bench "$new" paused; stop
  start "$new"; bench "$new" running --notification-url "http://127.0.0.1:$notification_port"; stop
done

echo "== drain: 100,000 order events placed while notification is stopped, then read"
start "$new"
notification=$(cat "$data_dir/run/notification.pid")
kill -STOP "$notification"
"$new" load --bench --orders 50000 --time-limit 600 --order-url "http://127.0.0.1:$order_port" \
  --inventory-url "http://127.0.0.1:$inventory_port" --data-dir "$data_dir" --report-dir "$out/backlog" > "$out/backlog.txt" 2>&1
latest=$(curl -sf "http://127.0.0.1:$order_port/events?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["latest"])')
started=$(date +%s.%N)
kill -CONT "$notification"
# Done when the 50,000th notification exists and notification reports no unread event.
until curl -sf "http://127.0.0.1:$notification_port/notifications?after=49999&limit=1" | grep -q '"sequence":50000' &&
  curl -sf "http://127.0.0.1:$notification_port/health" | python3 -c '
import json, sys
sys.exit(0 if json.load(sys.stdin)["checks"]["orderFeed:lag"][0]["observedValue"] == 0 else 1)'; do
  sleep 0.1
done
ended=$(date +%s.%N)
python3 -c "import sys; events, seconds = $latest, $ended - $started; print(f'drained {events} events in {seconds:.1f} s: {events / seconds:.0f} events/s')"
stop
