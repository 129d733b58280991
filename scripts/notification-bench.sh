#!/usr/bin/env bash
# What the event outbox and the notification service cost the order path, and how fast notification
# drains a backlog: the figures in docs/BENCHMARKS.md. Release builds; run it alone on the machine:
#
#   flock /tmp/warehouse-bench.lock scripts/notification-bench.sh NEW [BASE] [ROUNDS]
#
# NEW is this build's binary; BASE (optional) a build without the outbox, for the outbox's own cost:
# the same tree with the outbox's appends removed (the three `SQLiteEventStore.append` calls of
# SQLiteOrderRepository and the body of `StockEvents.append`), built and copied aside.
# Each round starts a fresh `warehouse up` per configuration, in this order, and puts
# `warehouse load --bench` (64 clients, 20 s) on it:
#   base     BASE: no outbox, its notification process stopped (SIGSTOP) once up
#   paused   NEW with the notification process stopped (SIGSTOP) once up: the outbox alone
#   running  NEW with notification following the feed: outbox and consumer
# It prints orders/s, p99, the CPU time each service spent per order (for notification: until it has
# read every event of the run), and for `running` the largest lag notification's /health reported
# (sampled every 0.5 s) and how long after its order event each notification was made. Then the drain:
# NEW with notification stopped while 50,000 orders (100,000 events) are placed, then resumed; it
# prints how long notification took to read them all (its notification_feed_events_total reaching the
# feed's latest position) and make the 50,000 notifications. Every report stays in OUT (default
# reports/notification-bench); `uptime` before each round says how busy the machine was. DRAIN=no
# skips the drain; ROUNDS 0 runs the drain alone.
set -euo pipefail
new=$1 base=${2:-} rounds=${3:-3}
out=${OUT:-reports/notification-bench}
mkdir -p "$out"
trap stop EXIT
up_pid="" lag_pid=""

# start BINARY: `warehouse up` on free ports with a fresh data directory; returns once it is up.
start() {
  local binary=$1
  data_dir=$(mktemp -d)
  read -r order_port inventory_port console_port notification_port < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(4)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])')
  local ports=(--order-port "$order_port" --inventory-port "$inventory_port" --console-port "$console_port"
    --notification-port "$notification_port")
  "$binary" up --data-dir "$data_dir" "${ports[@]}" > "$out/up.log" 2>&1 &
  up_pid=$!
  until grep -q '^warehouse is up$' "$out/up.log"; do
    kill -0 "$up_pid" 2>/dev/null || { cat "$out/up.log" >&2; exit 1; }
    sleep 0.2
  done
}

stop() {
  if [ -n "$lag_pid" ]; then kill "$lag_pid" 2>/dev/null || true; wait "$lag_pid" 2>/dev/null || true; lag_pid=""; fi
  if [ -n "$up_pid" ]; then
    [ -f "$data_dir/run/notification.pid" ] && kill -CONT "$(cat "$data_dir/run/notification.pid")" 2>/dev/null || true
    kill -TERM "$up_pid" 2>/dev/null || true
    wait "$up_pid" 2>/dev/null || true
    rm -rf "$data_dir"
    up_pid=""
  fi
}

# cpu SERVICE...: the CPU time (user + system, in clock ticks) each running service has used so far.
cpu() {
  local service stat
  for service in "$@"; do
    stat=$(cat "/proc/$(cat "$data_dir/run/$service.pid")/stat")
    echo "${stat##*) }" | awk '{print $12 + $13}'
  done | paste -sd' '
}

# lag: notification's lag behind the order feed as its /health reports it, "EVENTS SECONDS".
lag() {
  curl -sf --max-time 5 "http://127.0.0.1:$notification_port/health" |
    jq -r '.checks | "\(.["orderFeed:lag"][0].observedValue | floor) \(.["orderFeed:lagTime"][0].observedValue)"'
}

# notification_delays: how long after its order event each notification was made (createdAt minus
# occurredAt, over the whole inbox).
notification_delays() {
  python3 - "$notification_port" <<'PYTHON'
import json, sys, urllib.request
from datetime import datetime

def parse(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))

after, delays = 0, []
while True:
    url = f"http://127.0.0.1:{sys.argv[1]}/notifications?after={after}&limit=500"
    page = json.load(urllib.request.urlopen(url))["notifications"]
    if not page:
        break
    delays += [(parse(n["createdAt"]) - parse(n["occurredAt"])).total_seconds() for n in page]
    after = page[-1]["sequence"]
delays.sort()
at = lambda q: delays[min(len(delays) - 1, int(q * len(delays)))] * 1000
print(f"{len(delays)} notifications made {at(0.5):.0f} / {at(0.99):.0f} / {delays[-1] * 1000:.0f} ms "
      "(p50 / p99 / max) after their order event")
PYTHON
}

# bench BINARY NAME SERVICES...: one `load --bench` against the running system; the CPU the given
# services spend on it (for notification: until it has read every event the load made).
bench() {
  local binary=$1 name=$2
  shift 2
  local services=("$@") before after delays=""
  before=$(cpu "${services[@]}")
  if [[ " ${services[*]} " == *" notification "* ]]; then
    (while true; do lag >> "$out/$name.lag" || true; sleep 0.5; done) &
    lag_pid=$!
    delays=pending
  fi
  "$binary" load --bench --orders 80000 --time-limit 20 --order-url "http://127.0.0.1:$order_port" \
    --inventory-url "http://127.0.0.1:$inventory_port" --data-dir "$data_dir" --report-dir "$out/$name" \
    > "$out/$name.txt" 2>&1 || true
  # A failed check (an answer past the deadline on a starved machine, say) is reported, not fatal.
  grep -q '^Throughput:' "$out/$name.txt" || { cat "$out/$name.txt" >&2; exit 1; }
  local checks="every check passed"
  grep -q '\*\*FAIL\*\*' "$out/$name.txt" && checks="failed: $(grep -o '^| [^|]* | \*\*FAIL' "$out/$name.txt" | sed 's/^| //; s/ | \*\*FAIL//' | paste -sd';')"
  if [ -n "$lag_pid" ]; then
    kill "$lag_pid"; wait "$lag_pid" 2>/dev/null || true
    lag_pid=""
    local deadline=$((SECONDS + 300))
    until [ "$(lag | cut -d' ' -f1)" = 0 ] || [ $SECONDS -gt $deadline ]; do sleep 0.2; done
  fi
  after=$(cpu "${services[@]}")
  [ -n "$delays" ] && delays=$(notification_delays)
  local orders throughput p99 lag_figures=""
  orders=$(grep -o '^[0-9]* orders, 64 concurrent' "$out/$name.txt" | grep -o '^[0-9]*')
  throughput=$(grep -o 'Throughput: \*\*[0-9]* orders/s' "$out/$name.txt" | grep -o '[0-9]*')
  p99=$(grep '^| answers' "$out/$name.txt" | awk -F'|' '{print $5}' | tr -d ' ')
  [ -s "$out/$name.lag" ] && lag_figures=$(awk '{if ($1 > e) e = $1; if ($2 > s) s = $2} END {printf ", notification lag at most %d events, %.1f s", e, s}' "$out/$name.lag")
  local spent
  spent=$(python3 -c "
before, after, names = '$before'.split(), '$after'.split(), '${services[*]}'.split()
each = [(int(a) - int(b)) * 1000 / $(getconf CLK_TCK) / $orders for a, b in zip(after, before)]
print(f'{sum(each):.2f} ms an order (' + ', '.join(f'{n} {e:.2f}' for n, e in zip(names, each)) + ')')")
  echo "$name: $orders orders, $throughput orders/s, p99 $p99 ms, CPU $spent$lag_figures${delays:+; $delays}; $checks"
}

for round in $(seq 1 "$rounds"); do
  echo "== round $round, $(date -u +%H:%M:%S) UTC, $(uptime | grep -o 'load average.*')"
  if [ -n "$base" ]; then start "$base"; kill -STOP "$(cat "$data_dir/run/notification.pid")"; bench "$base" "base-$round" order inventory; stop; fi
  start "$new"; kill -STOP "$(cat "$data_dir/run/notification.pid")"; bench "$new" "paused-$round" order inventory; stop
  start "$new"; bench "$new" "running-$round" order inventory notification; stop
done

[ "${DRAIN:-yes}" = no ] && exit 0
echo "== drain: 100,000 order events placed while notification is stopped, then read," \
  "$(date -u +%H:%M:%S) UTC, $(uptime | grep -o 'load average.*')"
start "$new"
notification=$(cat "$data_dir/run/notification.pid")
kill -STOP "$notification"
"$new" load --bench --orders 50000 --time-limit 600 --order-url "http://127.0.0.1:$order_port" \
  --inventory-url "http://127.0.0.1:$inventory_port" --data-dir "$data_dir" --report-dir "$out/backlog" > "$out/backlog.txt" 2>&1 || true
# The feed takes the service token or the admin token (README, "Security").
latest=$(curl -sf -H "Authorization: Bearer $(cat "$data_dir/admin-token")" "http://127.0.0.1:$order_port/events?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["latest"])')
# Every order event notification has read and applied since it started (it started with the system).
read_events() {
  curl -sf --max-time 5 "http://127.0.0.1:$notification_port/metrics" | awk '/^notification_feed_events_total /{print int($2)}'
}
echo "backlog: $latest order events"
started=$(date +%s.%N)
kill -CONT "$notification"
until [ "$(read_events)" = "$latest" ]; do sleep 0.1; done
ended=$(date +%s.%N)
made=$(curl -sf "http://127.0.0.1:$notification_port/metrics" | awk '/^notifications_total/{n += $2} END {print n}')
python3 -c "events, seconds = $latest, $ended - $started; print(f'drained {events} events in {seconds:.1f} s: {events / seconds:.0f} events/s; $made notifications made')"
stop
