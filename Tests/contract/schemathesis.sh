#!/usr/bin/env bash
# Fuzzes the order and inventory services against their own OpenAPI documents with schemathesis: starts
# `warehouse up` on free loopback ports, runs a bounded, seeded run per service, stops the system, and
# fails when a check fails (a 5xx, an answer outside the contract, a bad input accepted, a wrong method
# not answered 405, ...). Usage: Tests/contract/schemathesis.sh [path/to/warehouse] [report-dir]
#
# Left out on purpose: the chaos endpoints (the fuzzer would switch on crashes and injected 500s, which
# then fail "not a server error" by design), and the check that every schema-valid request is accepted
# (an Idempotency-Key reused for another body is schema-valid and must be 422). Inventory runs without
# schemathesis' coverage phase: with this machine's Python 3.11.7 it fails inside hypothesis ("AST
# constructor recursion depth mismatch") on GET /products/{sku}.
set -euo pipefail
cd "$(dirname "$0")/../.."
warehouse=${1:-.build/debug/warehouse}
report_dir=${2:-reports/contract}
mkdir -p "$report_dir"

data_dir=$(mktemp -d)
read -r order_port inventory_port console_port < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])')
"$warehouse" up --data-dir "$data_dir" --order-port "$order_port" --inventory-port "$inventory_port" \
  --console-port "$console_port" > "$report_dir/up.log" 2>&1 &
up_pid=$!
trap 'kill -TERM "$up_pid" 2>/dev/null || true; wait "$up_pid" 2>/dev/null || true; rm -rf "$data_dir"' EXIT
for _ in $(seq 1 300); do
  if curl -sf "http://127.0.0.1:$order_port/health/ready" > /dev/null \
    && curl -sf "http://127.0.0.1:$inventory_port/health/ready" > /dev/null; then break; fi
  sleep 0.2
done
token=$(cat "$data_dir/admin-token")

status=0
run() {
  local service=$1 port=$2 phases=$3
  echo "-- $service (phases: $phases)"
  schemathesis run "Sources/$service/openapi.yaml" --url "http://127.0.0.1:$port" \
    --checks all --exclude-checks positive_data_acceptance --exclude-path /admin/chaos \
    --phases "$phases" --max-examples 100 --seed 1 --generation-database none --workers 2 \
    -H "Authorization: Bearer $token" > "$report_dir/$service.log" 2>&1 || status=1
  sed -n '/SUMMARY/,$p' "$report_dir/$service.log"
}
run Order "$order_port" examples,coverage,fuzzing,stateful
run Inventory "$inventory_port" examples,fuzzing,stateful
exit "$status"
