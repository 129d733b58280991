# Sourced by .ci/run and Tests/contract/schemathesis.sh: the whole system under `warehouse up`, on free
# loopback ports and a fresh data directory, for a shell script to put something against.

# start_system WAREHOUSE LOG [UP FLAGS...]: starts it and returns once order, inventory and notification are ready
# (their /health/ready answers 200 with their own serviceId). Sets data_dir, order_port,
# inventory_port, notification_port, console_port and up_pid; stop_system undoes it, and runs on exit too.
start_system() {
  local warehouse=$1 log=$2
  shift 2
  data_dir=$(mktemp -d)
  read -r order_port inventory_port console_port notification_port < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(4)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])')
  "$warehouse" up --data-dir "$data_dir" --order-port "$order_port" --inventory-port "$inventory_port" \
    --console-port "$console_port" --notification-port "$notification_port" "$@" > "$log" 2>&1 &
  up_pid=$!
  trap stop_system EXIT
  wait_ready inventory "$inventory_port" "$log" && wait_ready order "$order_port" "$log" &&
    wait_ready notification "$notification_port" "$log"
}

# wait_ready SERVICE PORT LOG: up to 60 s for SERVICE's own /health/ready on PORT to answer 200.
wait_ready() {
  local service=$1 port=$2 log=$3
  for _ in $(seq 1 300); do
    [[ "$(curl -sf "http://127.0.0.1:$port/health/ready" 2>/dev/null)" == *"\"serviceId\":\"$service\""* ]] && return 0
    kill -0 "$up_pid" 2>/dev/null || { echo "warehouse up exited before $service was ready; see $log" >&2; return 1; }
    sleep 0.2
  done
  echo "$service was not ready on port $port after 60 s; see $log" >&2
  return 1
}

stop_system() {
  trap - EXIT
  kill -TERM "$up_pid" 2>/dev/null || true
  wait "$up_pid" 2>/dev/null || true
  rm -rf "$data_dir"
}
