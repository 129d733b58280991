#!/usr/bin/env bash
# Fuzzes the order, inventory and notification services and the simulated backup vendor against their own
# OpenAPI documents with schemathesis: starts `warehouse up --backup-vendor` on free loopback ports, runs a
# bounded, seeded run per service, stops the system, and
# fails when a check fails (a 5xx, an answer outside the contract, a bad input accepted, a wrong method
# not answered 405, ...). Usage: Tests/contract/schemathesis.sh [path/to/warehouse] [report-dir]
#
# Left out on purpose: the chaos endpoints (the fuzzer would switch on crashes and injected 500s, which
# then fail "not a server error" by design), and the check that every schema-valid request is accepted
# (an Idempotency-Key reused for another body is schema-valid and must be 422). Inventory runs without
# schemathesis' coverage phase: with this machine's Python 3.11.7 it fails inside hypothesis ("AST
# constructor recursion depth mismatch") on GET /products/{sku}. The vendor answers most generated uploads
# 429 (one a day, by design), which schemathesis reports as a warning, not a failure; its token is its own.
set -euo pipefail
cd "$(dirname "$0")/../.."
warehouse=${1:-.build/debug/warehouse}
report_dir=${2:-reports/contract}
mkdir -p "$report_dir"

source .ci/system.sh
start_system "$warehouse" "$report_dir/up.log" --backup-vendor
token=$(cat "$data_dir/admin-token")

status=0
run() {
  local service=$1 port=$2 phases=$3 token=${4:-$token}
  echo "-- $service (phases: $phases)"
  schemathesis run "Sources/$service/openapi.yaml" --url "http://127.0.0.1:$port" \
    --checks all --exclude-checks positive_data_acceptance --exclude-path /admin/chaos \
    --phases "$phases" --max-examples 100 --seed 1 --generation-database none --workers 2 \
    -H "Authorization: Bearer $token" > "$report_dir/$service.log" 2>&1 || status=1
  sed -n '/SUMMARY/,$p' "$report_dir/$service.log"
}
run Order "$order_port" examples,coverage,fuzzing,stateful
run Inventory "$inventory_port" examples,fuzzing,stateful
run Notification "$notification_port" examples,coverage,fuzzing,stateful
run BackupVendor "$backup_vendor_port" examples,coverage,fuzzing,stateful "$(cat "$data_dir/backup-vendor/admin-token")"
stop_system
exit "$status"
