# Sourced by .ci/run and Tests/contract/schemathesis.sh: the whole system under `warehouse up`, on free
# loopback ports and a fresh data directory, for a shell script to put something against.

# start_system WAREHOUSE LOG [UP FLAGS...]: starts it and returns once every service is ready, which
# `warehouse up` itself tells by printing its banner ("warehouse is up") once each service's
# /health/ready has answered with its own serviceId. Sets data_dir, order_port, inventory_port,
# notification_port, console_port, backup_vendor_port (the simulated vendor's, which runs only when the
# flags include --backup-vendor) and up_pid; stop_system undoes it, and runs on exit too.
start_system() {
  local warehouse=$1 log=$2
  shift 2
  data_dir=$(mktemp -d)
  read -r order_port inventory_port notification_port console_port backup_vendor_port < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(5)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])')
  # Emptied before `up` starts: the redirection below happens in the background, and a log left by an
  # earlier run into the same report directory would otherwise say "warehouse is up" at once.
  : > "$log"
  "$warehouse" up --data-dir "$data_dir" --order-port "$order_port" --inventory-port "$inventory_port" \
    --notification-port "$notification_port" --console-port "$console_port" --backup-vendor-port "$backup_vendor_port" \
    --ready-timeout 60 "$@" > "$log" 2>&1 &
  up_pid=$!
  trap stop_system EXIT
  # `up` exits non-zero when a service is not ready within --ready-timeout.
  until grep -q '^warehouse is up$' "$log"; do
    kill -0 "$up_pid" 2>/dev/null || { echo "warehouse up exited before every service was ready; see $log" >&2; return 1; }
    sleep 0.2
  done
}

stop_system() {
  trap - EXIT
  kill -TERM "$up_pid" 2>/dev/null || true
  wait "$up_pid" 2>/dev/null || true
  rm -rf "$data_dir"
}
