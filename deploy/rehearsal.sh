#!/usr/bin/env bash
# A rehearsal of the deployed system on this machine: deploy/compose.yaml as a Docker host runs it, with
# every service on a host of its own.
#
#   - Each service of the image (inventory, order, notification, console) is a container of IMAGE run by
#     runc (deploy/image/runc.sh: read-only root, uid 10001, no capabilities), in a network namespace of
#     its own with its own address. A bridge in a namespace of its own joins them, so nothing reaches
#     another service through 127.0.0.1 and nothing touches this machine's network. Names resolve
#     through a hosts file, as Compose's DNS resolves them.
#   - Each container gets exactly the command, environment, secrets and volumes deploy/compose.yaml gives
#     that service (deploy/rehearsal-compose.py reads them), and nothing else. Services start in
#     Compose's order, each once the services it depends on pass their compose health check.
#   - Debian's Prometheus, in a namespace of its own, runs with the command, user and files Compose gives
#     the prometheus service (deploy/prometheus/prometheus.yml and alerts.yml).
#   - A smoke test from a client namespace, through the console's address only: every service's health
#     passes through every hop, an order ships and reads back, the customer's notification arrives,
#     Prometheus scrapes every service at the address and port Compose gives it; then, with the admin
#     token, the gremlin is switched on through the console, OrderPlacementLatencyHigh fires, the gremlin
#     is switched off, the alert clears and every order held pending ships.
# Waits poll a condition; their limits only guard against a hang. Everything it started (containers,
# Prometheus, the shopper, namespaces, files) is removed when it ends, passed or not; a failure prints
# the logs.
#
# usage: deploy/rehearsal.sh IMAGE     (root; needs runc, podman, prometheus, jq, curl, iproute2, python3-yaml)
set -euo pipefail
cd "$(dirname "$0")/.."
image=${1:?usage: $0 IMAGE}
source deploy/image/runc.sh

started=$SECONDS
run=rh$$
work=$(mktemp -d)
container_dir=$work/bundles
prometheus_root=$work/prometheus-root
services=()
hosts=()
# Each host's address, and the pid of every process a host runs (the containers' runc, Prometheus).
declare -A address running=()
prometheus_pid=
shopper_pid=

log() { echo "rehearsal: $*"; }
cleanup() {
    local host pid
    # The shopper's order in flight first: its curl would outlive the shopper by up to 30 s.
    [[ -z $shopper_pid ]] || pkill -P "$shopper_pid" || true
    for pid in $shopper_pid $prometheus_pid; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
    for host in "${services[@]}"; do container_remove "$run-$host"; done
    for host in "${hosts[@]}"; do
        ip netns delete "$run-$host" 2>/dev/null || true
        rm -rf "/etc/netns/$run-$host"
    done
    ip netns delete "$run-switch" 2>/dev/null || true
    podman image unmount "$image" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() { give_up rehearsal "$work" "after $((SECONDS - started)) s: $*"; }

# Prometheus runs as Compose's user and must reach its files in here.
chmod 0711 "$work"
python3 deploy/rehearsal-compose.py deploy/compose.yaml "$prometheus_root" > "$work/compose.json"
mapfile -t services < <(jq -r '.services[].name' "$work/compose.json")
hosts=("${services[@]}" prometheus client)

# await LIMIT DESCRIPTION COMMAND...: runs COMMAND every half second until it succeeds; fails at once if
# a service or Prometheus has exited, and after LIMIT seconds: a guard against a hang, not a guess at
# timing.
await() {
    local limit=$1 what=$2 host
    shift 2
    local deadline=$((SECONDS + limit))
    until "$@"; do
        for host in "${!running[@]}"; do
            kill -0 "${running[$host]}" 2>/dev/null || fail "$host exited, waiting until $what"
        done
        ((SECONDS < deadline)) || fail "$what: not within $limit s"
        sleep 0.5
    done
    log "$what ($((SECONDS - started)) s)"
}

log "network: a bridge in $run-switch, a namespace and an address for each of ${hosts[*]}"
ip netns add "$run-switch"
ip -n "$run-switch" link set lo up
ip -n "$run-switch" link add br0 type bridge
ip -n "$run-switch" link set br0 up
index=0
for host in "${hosts[@]}"; do
    index=$((index + 1))
    address[$host]=10.213.0.$((10 + index))
done
{
    echo "127.0.0.1 localhost"
    for host in "${hosts[@]}"; do echo "${address[$host]} $host"; done
} > "$work/hosts"
chmod 0644 "$work/hosts"
index=0
for host in "${hosts[@]}"; do
    index=$((index + 1))
    ns=$run-$host
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    # Both ends are made inside the namespaces: the machine's own network never sees them.
    ip -n "$run-switch" link add "port$index" type veth peer name eth0 netns "$ns"
    ip -n "$run-switch" link set "port$index" master br0 up
    ip -n "$ns" addr add "${address[$host]}/24" dev eth0
    ip -n "$ns" link set eth0 up
    # `ip netns exec` mounts it over /etc/hosts (Prometheus, the client); the containers get it by a bind.
    mkdir -p "/etc/netns/$ns"
    cp "$work/hosts" "/etc/netns/$ns/hosts"
done

# The secrets, made as DEPLOY.md tells an operator to: 64 hex characters, 0400, owned by uid 10001.
mkdir -p "$work/secrets" "$work/volumes"
for secret in $(jq -r '.secrets[]' "$work/compose.json"); do
    head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/secrets/$secret"
    chown 10001:10001 "$work/secrets/$secret"
    chmod 0400 "$work/secrets/$secret"
done
admin_token=$(cat "$work/secrets/admin_token")

# healthy SERVICE: the service's compose health check passes inside its container.
healthy() {
    local check
    mapfile -t check < <(jq -r --arg s "$1" '.services[] | select(.name == $s) | .healthcheck[]' "$work/compose.json")
    container_exec "$run-$1" "${check[@]}" >/dev/null 2>&1
}

for service in "${services[@]}"; do
    spec=$(jq -c --arg s "$service" '.services[] | select(.name == $s)' "$work/compose.json")
    for dependency in $(jq -r '.waitsFor[]' <<<"$spec"); do
        await 300 "$dependency is healthy, so $service starts" healthy "$dependency"
    done
    arguments=(--bind "$work/hosts:/etc/hosts:ro")
    while read -r variable; do arguments+=(--env "$variable"); done < <(jq -r '.environment[]' <<<"$spec")
    for secret in $(jq -r '.secrets[]' <<<"$spec"); do
        arguments+=(--bind "$work/secrets/$secret:/run/secrets/$secret:ro")
    done
    while read -r kind source destination mode; do
        if [[ $kind == volume ]]; then
            # A new named volume takes the ownership of the image's directory (10001), as Docker makes it.
            mkdir -p "$work/volumes/$source"
            chown 10001:10001 "$work/volumes/$source"
            source=$work/volumes/$source
        fi
        arguments+=(--bind "$source:$destination:$mode")
    done < <(jq -r '.volumes[] | "\(.kind) \(.source) \(.destination) \(.mode)"' <<<"$spec")
    mapfile -t command < <(jq -r '.command[]' <<<"$spec")
    log "$service at ${address[$service]}: ${command[*]}, $(jq -r '.environment | join(" ")' <<<"$spec")"
    container_start "$run-$service" "$image" "$run-$service" "$work/$service.log" "${arguments[@]}" -- "${command[@]}"
    running[$service]=$container_pid
done
for service in "${services[@]}"; do await 300 "$service is healthy" healthy "$service"; done

log "prometheus at ${address[prometheus]}: $(jq -r '.prometheus.command | join(" ")' "$work/compose.json")"
prometheus_user=$(jq -r .prometheus.user "$work/compose.json")
while read -r kind source destination; do
    if [[ $kind == file ]]; then
        install -D -m 0644 "$source" "$prometheus_root$destination"
    else
        install -d -o "${prometheus_user%:*}" -g "${prometheus_user#*:}" "$prometheus_root$destination"
    fi
done < <(jq -r '.prometheus.volumes[] | "\(.kind) \(.source) \(.destination)"' "$work/compose.json")
mapfile -t prometheus_command < <(jq -r '.prometheus.command[]' "$work/compose.json")
ip netns exec "$run-prometheus" setpriv --reuid "${prometheus_user%:*}" --regid "${prometheus_user#*:}" --clear-groups \
    prometheus "${prometheus_command[@]}" > "$work/prometheus.log" 2>&1 &
prometheus_pid=$!
running[prometheus]=$prometheus_pid

# The smoke test: a client host that knows the console's address (and Prometheus', to read it).
client() { ip netns exec "$run-client" curl -s --max-time 30 "$@"; }
console=http://console:8090
prometheus=http://prometheus:9090

every_service_passes() {
    client "$console/api/health" | jq -e --argjson expected "$(printf '%s\n' "${services[@]}" | jq -R . | jq -sc 'sort')" \
        '[.services[] | select(.status == "pass") | .name] | sort == $expected' >/dev/null 2>&1
}
await 300 "every service passes its health, asked through the console (console → order → inventory, notification)" every_service_passes

customer=c-rehearsal-$run
placed=$(client -w '\n%{http_code}' -X POST "$console/api/orders" -H 'Content-Type: application/json' \
    -H "Idempotency-Key: $run-first" -d "{\"customerId\": \"$customer\", \"items\": [{\"sku\": \"CONSOLE-PS5\", \"quantity\": 1}]}")
[[ $(tail -1 <<<"$placed") == 201 && $(head -1 <<<"$placed" | jq -r .status) == shipped ]] ||
    fail "an order placed through the console did not ship: $placed"
order_id=$(head -1 <<<"$placed" | jq -r .id)
[[ $(client "$console/api/orders/$order_id" | jq -r .status) == shipped ]] || fail "order $order_id is not shipped when read back"
log "order $order_id shipped, placed and read back through the console"
notified() {
    client "$console/api/notifications?customerId=$customer" |
        jq -e --arg id "$order_id" 'any(.notifications[]; .orderId == $id and .kind == "shipped")' >/dev/null 2>&1
}
await 120 "the customer's notification of the shipment arrived (notification read order's feed)" notified

targets=$(jq -c '[.services[] | {job: "warehouse-\(.name)", instance: "\(.name):\(.port)"}] | sort' "$work/compose.json")
every_target_up() {
    client "$prometheus/api/v1/query?query=up" | jq -e --argjson expected "$targets" \
        '[.data.result[] | select(.value[1] == "1") | {job: .metric.job, instance: .metric.instance}] | sort == $expected' \
        >/dev/null 2>&1
}
await 300 "Prometheus scrapes every service at its compose name and port (up == 1)" every_target_up
client "$prometheus/api/v1/rules" | jq -e 'any(.data.groups[].rules[]; .name == "OrderPlacementLatencyHigh")' >/dev/null ||
    fail "Prometheus did not load the alert rules"

alert_is() {
    local state
    state=$(client "$prometheus/api/v1/alerts" |
        jq -r '[.data.alerts[] | select(.labels.alertname == "OrderPlacementLatencyHigh") | .state] | first // "inactive"') || return 1
    [[ $state == "$1" ]]
}
chaos() {
    [[ $(client -o /dev/null -w '%{http_code}' -X PUT "$console/api/admin/chaos" -H 'Content-Type: application/json' \
        -H "Authorization: Bearer $admin_token" -d "$1") == 200 ]]
}
no_order_pending() {
    client "$console/api/orders?customerId=$customer&status=pending&limit=1" | jq -e '.orders == []' >/dev/null 2>&1
}

alert_is inactive || fail "the latency alert is not inactive before any gremlin"
# A shopper in the client namespace, one order every 2 s or so, from before the gremlin until the alert
# has cleared. With compose's settings (the defaults) a placement waits for inventory one try of 1 s
# (--attempt-timeout-ms) and is then answered 202 pending, so under the gremlin every placement takes
# just over 1 s and the 30 s average crosses the alert's 1 s once only such placements fill the window.
# Faster shopping would open order's circuit breaker (10 calls in its 10 s window, half of them failed),
# whose instant 202s keep the average under 1 s: a shopper at this pace makes at most 5 placements and
# the reconciler's retries of them (which succeed, the gremlin's 3 s being under their 5 s limit) in a
# window. It stops after its current order once the file stop exists.
(
    number=0
    while [[ ! -e $work/stop ]]; do
        number=$((number + 1))
        client -o /dev/null -X POST "$console/api/orders" -H 'Content-Type: application/json' -H "Idempotency-Key: $run-$number" \
            -d "{\"customerId\": \"$customer\", \"items\": [{\"sku\": \"CABLE-HDMI21\", \"quantity\": 1}]}" || true
        sleep 2
    done
) &
shopper_pid=$!
chaos '{"gremlin": {"select": {"every": 1}, "delayMs": 3000}}' || fail "the console did not switch the gremlin on"
log "gremlin on through the console: every deduction held back 3 s, past the order deadline"
await 300 "Prometheus fires OrderPlacementLatencyHigh" alert_is firing
log "order placements average $(client "$prometheus/api/v1/query?query=warehouse:order_placement_duration_seconds:avg30s" | jq -r '.data.result[0].value[1]') s over 30 s"
chaos '{}' || fail "the console did not switch the gremlin off"
log "gremlin off"
await 300 "the alert clears once fast placements bring the 30 s average under 1 s" alert_is inactive
touch "$work/stop"
wait "$shopper_pid"
shopper_pid=
await 300 "every order held pending by the gremlin has shipped" no_order_pending
log "passed in $((SECONDS - started)) s"
