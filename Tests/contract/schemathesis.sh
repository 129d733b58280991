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
# fuzz SERVICE PORT PHASES TOKEN: one schemathesis run; its exit status.
fuzz() {
  schemathesis run "Sources/$1/openapi.yaml" --url "http://127.0.0.1:$2" \
    --checks all --exclude-checks positive_data_acceptance --exclude-path /admin/chaos \
    --phases "$3" --max-examples 100 --seed 1 --generation-database none --workers 2 \
    -H "Authorization: Bearer $4" > "$report_dir/$1.log" 2>&1
}
run() {
  local service=$1 port=$2 phases=$3 token=${4:-$token}
  echo "-- $service (phases: $phases)"
  if ! fuzz "$service" "$port" "$phases" "$token"; then
    # CPython 3.11.7's parser can fail inside hypothesis while it describes a filter ("AST constructor
    # recursion depth mismatch", the Inventory case above); in CI rehearsals on 2026-12-03 it struck the
    # coverage phase of Notification, then of Notification and the vendor, and of neither in between.
    # That is the fuzzer failing, not the service: run the other phases again and say so. Any other
    # failure fails the stage.
    if [[ $phases == *coverage* ]] && grep -q 'AST constructor recursion depth mismatch' "$report_dir/$service.log"; then
      mv "$report_dir/$service.log" "$report_dir/$service-coverage-crash.log"
      phases=${phases/coverage,/}
      echo "   schemathesis itself crashed in the coverage phase (CPython 3.11.7's parser; $service-coverage-crash.log); again without it: $phases"
      fuzz "$service" "$port" "$phases" "$token" || status=1
    else
      status=1
    fi
  fi
  sed -n '/SUMMARY/,$p' "$report_dir/$service.log"
}
run Order "$order_port" examples,coverage,fuzzing,stateful
run Inventory "$inventory_port" examples,fuzzing,stateful
run Notification "$notification_port" examples,coverage,fuzzing,stateful
run BackupVendor "$backup_vendor_port" examples,coverage,fuzzing,stateful "$(cat "$data_dir/backup-vendor/admin-token")"
stop_system
exit "$status"
