#!/usr/bin/env bash
# Checks an image that deploy/image/build.sh made, as a cluster would run it:
#   - its configuration: the unprivileged user, the entrypoint, the HEALTHCHECK, the container defaults;
#   - inventory and order, each a container of this image (read-only root filesystem, no capabilities,
#     the admin token from a mounted secret file, its own data volume), in a network namespace of their
#     own: order's /health/ready passes, the image's HEALTHCHECK command passes inside the container,
#     the root filesystem refuses writes, the token guards the admin endpoints, an order ships;
#   - SIGTERM stops each container with exit status 0.
# usage: deploy/image/check.sh IMAGE          (root; needs podman, runc, jq, curl, iproute2)
set -euo pipefail
cd "$(dirname "$0")/../.."
image=${1:?usage: $0 IMAGE}
source deploy/image/runc.sh

work=$(mktemp -d)
container_dir=$work/bundles
netns=wh-image-$$
inventory=wh-image-inventory-$$
order=wh-image-order-$$
cleanup() {
    container_remove "$order"
    container_remove "$inventory"
    ip netns delete "$netns" 2>/dev/null || true
    podman image unmount "$image" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() { give_up "image check" "$work" "$*"; }

echo "image check: configuration of $image"
inspected=$(podman image inspect "$image" | jq '.[0]')
expect_config() { jq -e "$1" >/dev/null <<<"$inspected" || fail "expected $1 in the image: $(jq -c '{Config, Healthcheck}' <<<"$inspected")"; }
expect_config '.Config.User == "10001:10001"'
expect_config '.Config.Entrypoint == ["/app/warehouse"]'
expect_config '.Config.Cmd == ["serve", "order"]'
expect_config '.Config.WorkingDir == "/var/lib/warehouse"'
expect_config '.Config.Env | index("WAREHOUSE_HOST=0.0.0.0") != null'
expect_config '.Config.Env | index("WAREHOUSE_DATA_DIR=/var/lib/warehouse/data") != null'
# Docker's image format (podman keeps HEALTHCHECK only there).
expect_config '.Healthcheck.Test == ["CMD", "/app/warehouse", "probe", "/health/live"]'

echo "image check: inventory and order as containers in network namespace $netns"
ip netns add "$netns"
ip -n "$netns" link set lo up
in_netns() { ip netns exec "$netns" "$@"; }
token=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$token" > "$work/admin-token"
# The token order shows inventory: each container has its own data directory, so both get it as a secret.
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/service-token"
mkdir -p "$work/inventory-data" "$work/order-data"
chown 10001:10001 "$work/admin-token" "$work/service-token" "$work/inventory-data" "$work/order-data"
chmod 0400 "$work/admin-token" "$work/service-token"
secret=(--env WAREHOUSE_ADMIN_TOKEN_FILE=/run/secrets/warehouse/admin-token
    --bind "$work/admin-token:/run/secrets/warehouse/admin-token:ro"
    --env WAREHOUSE_SERVICE_TOKEN_FILE=/run/secrets/warehouse/service-token
    --bind "$work/service-token:/run/secrets/warehouse/service-token:ro")

container_start "$inventory" "$image" "$netns" "$work/inventory.log" "${secret[@]}" \
    --bind "$work/inventory-data:/var/lib/warehouse/data" -- serve inventory --port 8081 --seed-demo
inventory_pid=$container_pid
container_start "$order" "$image" "$netns" "$work/order.log" "${secret[@]}" \
    --bind "$work/order-data:/var/lib/warehouse/data" -- serve order
order_pid=$container_pid

for _ in $(seq 1 600); do
    ready=$(in_netns curl -s http://127.0.0.1:8080/health/ready 2>/dev/null || true)
    [[ $ready == *'"serviceId":"order"'* && $ready == *'"status":"pass"'* ]] && break
    kill -0 "$inventory_pid" 2>/dev/null || fail "the inventory container exited"
    kill -0 "$order_pid" 2>/dev/null || fail "the order container exited"
    sleep 0.2
done
[[ $ready == *'"status":"pass"'* ]] || fail "order's /health/ready did not pass within 120 s: $ready"
echo "image check: order's /health/ready passes: $ready"

container_exec "$order" /app/warehouse probe /health/live || fail "the image's HEALTHCHECK command failed"
container_exec "$order" /app/warehouse probe /health/ready || fail "warehouse probe /health/ready failed"
if container_exec "$order" touch /app/written 2>/dev/null; then fail "the root filesystem took a write"; fi
container_exec "$order" id -u | grep -qx 10001 || fail "the container does not run as uid 10001"

restock() { in_netns curl -s -o /dev/null -w '%{http_code}' -X PUT http://127.0.0.1:8081/products/IMAGE-CHECK \
    -H 'Content-Type: application/json' "$@" -d '{"name": "Image check", "stock": 5}'; }
[[ $(restock) == 401 ]] || fail "restock without the token was not refused"
[[ $(restock -H "Authorization: Bearer $token") == 201 ]] || fail "restock with the secret file's token failed"
placed=$(in_netns curl -s -w ' %{http_code}' -X POST http://127.0.0.1:8080/orders -H 'Content-Type: application/json' \
    -d '{"customerId": "c-image", "items": [{"sku": "IMAGE-CHECK", "quantity": 2}]}')
[[ $placed == *'"status":"shipped"'*' 201' ]] || fail "the order did not ship: $placed"
deduct=$(in_netns curl -s -o /dev/null -w '%{http_code}' -X PUT http://127.0.0.1:8081/deductions/image-check \
    -H 'Content-Type: application/json' -d '{"items": [{"sku": "IMAGE-CHECK", "quantity": 1}]}')
[[ $deduct == 401 ]] || fail "a deduction without the service token was not refused: $deduct"
echo "image check: the admin token guards restocking, the service token deductions; an order ships"

runc kill "$order" TERM
order_status=0
wait "$order_pid" || order_status=$?
runc kill "$inventory" TERM
inventory_status=0
wait "$inventory_pid" || inventory_status=$?
[[ $order_status == 0 && $inventory_status == 0 ]] ||
    fail "after SIGTERM order exited with $order_status, inventory with $inventory_status"
echo "image check: SIGTERM stops both containers with status 0"
echo "image check: passed"
