#!/bin/sh
# Makes a Debian bookworm root into the image's runtime base: the shared libraries the static
# `warehouse` binary still loads, and the unprivileged user it runs as. The Containerfile's
# `runtime-base` stage runs it on debian:bookworm-slim; deploy/image/build.sh runs it (chrooted, with
# --offline) on the root it made with debootstrap, which already holds these packages.
set -eu

# What the binary loads besides glibc (`ldd`): SQLite (GRDB links the system's), the C++ runtime and
# zlib; and CA certificates for outbound TLS (PostgreSQL, webhooks) and time zones for Foundation.
packages="libsqlite3-0 libstdc++6 libgcc-s1 zlib1g ca-certificates tzdata"

if [ "${1:-}" != "--offline" ]; then
    apt-get update
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $packages
fi
for package in $packages; do
    dpkg-query --show --showformat='${Status}\n' "$package" | grep -q '^install ok installed$' \
        || { echo "prepare-runtime: $package is not installed" >&2; exit 1; }
done

# The user every service runs as: no login, no home of its own beyond the data directory, a fixed id
# that Kubernetes' runAsUser and a volume's ownership can name.
groupadd --gid 10001 warehouse
useradd --uid 10001 --gid 10001 --home-dir /var/lib/warehouse --no-create-home \
    --shell /usr/sbin/nologin warehouse
install -d -o 10001 -g 10001 -m 0750 /var/lib/warehouse /var/lib/warehouse/data

# Nothing the services need at run time: package lists and caches, documentation.
rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb /var/cache/debconf/*-old \
    /usr/share/doc/* /usr/share/man/* /usr/share/info/* /var/log/*.log
