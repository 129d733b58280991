#!/usr/bin/env bash
# Fuzzes the order, inventory and notification services and the simulated backup vendor against their own
# OpenAPI documents with schemathesis: starts `warehouse up --backup-vendor` on free loopback ports, runs a
# bounded, seeded run per service (each operation with the token it is for: admin, the service token for
# inventory's deductions, the vendor's account token for the vendor), stops the system, and
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
admin_token=$(cat "$data_dir/admin-token")
service_token=$(cat "$data_dir/service-token")
# The vendor's token is the account's, kept in its own store (docs/BACKUPS.md), not the install's.
vendor_token=$(cat "$data_dir/backup-vendor/admin-token")

status=0
# fuzz NAME SERVICE PORT PHASES TOKEN [schemathesis options...]: one schemathesis run; its exit status.
fuzz() {
  local name=$1 service=$2 port=$3 phases=$4 token=$5
  shift 5
  schemathesis run "Sources/$service/openapi.yaml" --url "http://127.0.0.1:$port" \
    --checks all --exclude-checks positive_data_acceptance --exclude-path /admin/chaos \
    --phases "$phases" --max-examples 100 --seed 1 --generation-database none --workers 2 \
    -H "Authorization: Bearer $token" "$@" > "$report_dir/$name.log" 2>&1
}
# run NAME SERVICE PORT PHASES TOKEN [schemathesis options...]
run() {
  local name=$1 service=$2 port=$3 phases=$4 token=$5
  shift 5
  echo "-- $name (phases: $phases)"
  if ! fuzz "$name" "$service" "$port" "$phases" "$token" "$@"; then
    # CPython 3.11.7's parser can fail inside hypothesis while it describes a filter ("AST constructor
    # recursion depth mismatch", the Inventory case above); in CI rehearsals on 2026-12-03 it struck the
    # coverage phase of Notification, then of Notification and the vendor, and of neither in between.
    # That is the fuzzer failing, not the service: run the other phases again and say so. Any other
    # failure fails the stage.
    if [[ $phases == *coverage* ]] && grep -q 'AST constructor recursion depth mismatch' "$report_dir/$name.log"; then
      mv "$report_dir/$name.log" "$report_dir/$name-coverage-crash.log"
      phases=${phases/coverage,/}
      echo "   schemathesis itself crashed in the coverage phase (CPython 3.11.7's parser; $name-coverage-crash.log); again without it: $phases"
      fuzz "$name" "$service" "$port" "$phases" "$token" "$@" || status=1
    else
      status=1
    fi
  fi
  sed -n '/SUMMARY/,$p' "$report_dir/$name.log"
}
# Each operation with the credential it is for: the admin token for the admin's and the public ones (an
# extra Authorization header changes nothing on those), the service token for inventory's deductions,
# which refuse the admin token (401, documented). The event feeds take either. The vendor knows only its
# account token.
run Order Order "$order_port" examples,coverage,fuzzing,stateful "$admin_token"
run Inventory Inventory "$inventory_port" examples,fuzzing,stateful "$admin_token" --exclude-path-regex '^/deductions/'
run Inventory-deductions Inventory "$inventory_port" examples,fuzzing "$service_token" --include-path-regex '^/deductions/'
run Notification Notification "$notification_port" examples,coverage,fuzzing,stateful "$admin_token"
run BackupVendor BackupVendor "$backup_vendor_port" examples,coverage,fuzzing,stateful "$vendor_token"
stop_system
exit "$status"
