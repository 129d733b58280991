#!/usr/bin/env bash
# Order latency while restore points are taken against without: the figure in docs/BACKUPS.md.
#
#   flock /tmp/warehouse-bench.lock scripts/snapshot-latency-bench.sh BINARY [ROUNDS]
#
# Each round starts a fresh `warehouse up` twice, interleaved: with `--backup-every 0` (off) and with
# `--backup-every 0.1` (a restore point every 6 s, so several are taken during the load), then puts an
# open-loop `warehouse load` on it (100 orders/s, 3,000 orders, 32 clients) and prints the latency row of
# its report, how many restore points were taken and the last one's size and time, and the load average.
# Reports and logs stay in OUT (default reports/snapshot-latency). UP_ARGS are added to every `up`:
# UP_ARGS=--postgres runs each on a PostgreSQL cluster of its own, whose restore points are pg_dumps.
set -euo pipefail
binary=$1 rounds=${2:-3}
out=${OUT:-reports/snapshot-latency}
read -r -a up_args <<< "${UP_ARGS:-}"
rm -rf "$out" && mkdir -p "$out"
up_pid=""
trap '[ -n "$up_pid" ] && kill -TERM "$up_pid" 2>/dev/null; wait 2>/dev/null || true' EXIT

for round in $(seq 1 "$rounds"); do
  for every in 0 0.1; do
    run="$out/round-$round-every-$every"
    mkdir -p "$run"
    read -r order_port inventory_port notification_port console_port < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(4)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])')
    "$binary" up --data-dir "$run/data" --backup-every "$every" --order-port "$order_port" \
      --inventory-port "$inventory_port" --notification-port "$notification_port" --console-port "$console_port" \
      ${up_args[@]+"${up_args[@]}"} > "$run/up.log" 2>&1 &
    up_pid=$!
    until grep -q '^warehouse is up$' "$run/up.log"; do
      kill -0 "$up_pid" 2>/dev/null || { cat "$run/up.log" >&2; exit 1; }
      sleep 0.2
    done
    "$binary" load --order-url "http://127.0.0.1:$order_port" --inventory-url "http://127.0.0.1:$inventory_port" \
      --data-dir "$run/data" --orders 3000 --rate 100 --time-limit 40 --report-dir "$run/report" > "$run/load.log" 2>&1
    answers=$(grep '^| answers' "$run/report/report.md")
    points=$(grep -c '^restore point' "$run/up.log" || true)
    last=$(grep '^restore point' "$run/up.log" | tail -1 | grep -o 'copied in.*' || true)
    echo "round $round, backup-every $every: $answers restore points: $points ${last:+(last: $last)} load: $(cut -d' ' -f1 /proc/loadavg)"
    kill -TERM "$up_pid"
    wait "$up_pid" || true
    up_pid=""
  done
done
