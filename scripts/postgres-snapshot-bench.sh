#!/usr/bin/env bash
# Restore points of a PostgreSQL system: the figures in docs/BACKUPS.md.
#
#   flock /tmp/warehouse-bench.lock scripts/postgres-snapshot-bench.sh BINARY [ORDERS] [MORE]
#
# Starts `warehouse up --postgres --backup-every 0` on free ports, places ORDERS orders (default 3,000)
# with `warehouse load`, takes a restore point (`warehouse backup snapshot --database-url`, one pg_dump of
# the services' schemas), places MORE orders (default 50) and takes a second, and prints both `--json`
# reports: the dump's size, the time, and how many new bytes the repository stored. Then restores the
# second into an empty database of the same cluster and prints that report. Everything stays in OUT
# (default reports/postgres-snapshot).
set -euo pipefail
binary=$1 orders=${2:-3000} more=${3:-50}
out=${OUT:-reports/postgres-snapshot}
rm -rf "$out" && mkdir -p "$out"
data="$out/data"
up_pid=""
trap '[ -n "$up_pid" ] && kill -TERM "$up_pid" 2>/dev/null; wait 2>/dev/null || true' EXIT

read -r order_port inventory_port notification_port console_port < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(4)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])')
"$binary" up --postgres --backup-every 0 --data-dir "$data" --order-port "$order_port" \
  --inventory-port "$inventory_port" --notification-port "$notification_port" --console-port "$console_port" \
  > "$out/up.log" 2>&1 &
up_pid=$!
until grep -q '^warehouse is up$' "$out/up.log"; do
  kill -0 "$up_pid" 2>/dev/null || { cat "$out/up.log" >&2; exit 1; }
  sleep 0.2
done
url=$(grep -o 'postgres://[^ "]*' "$out/up.log" | head -1)
load() {
  "$binary" load --order-url "http://127.0.0.1:$order_port" --inventory-url "http://127.0.0.1:$inventory_port" \
    --data-dir "$data" --orders "$1" --seed "$2" --report-dir "$out/load-$2" > "$out/load-$2.log" 2>&1 || {
    # Its latency checks fail on a busy machine; the orders are placed all the same, which is what counts here.
    status=$?
    echo "load $2 exited $status (its checks): $(grep -o 'Throughput: .*' "$out/load-$2/report.md")"
  }
}
load "$orders" 1
echo "after $orders orders: $("$binary" backup snapshot --data-dir "$data" --database-url "$url" --json)"
load "$more" 2
echo "after $more more: $("$binary" backup snapshot --data-dir "$data" --database-url "$url" --json)"
restored="${url%/*}/restored"
"$binary" backup restore --data-dir "$data" --to "$out/restored" >/dev/null
psql_bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/psql | tail -1)")/psql
"$psql_bin" --no-psqlrc -q -d "${url%/*}/postgres" -c 'CREATE DATABASE restored'
echo "restore into an empty database: $("$binary" backup restore --data-dir "$data" --to-database-url "$restored" --json)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
