#!/usr/bin/env bash
#   Builds the base image debian:bookworm-slim locally, for machines that
#   reach Debian's package mirror but no image registry: debootstrap a
#   minimal bookworm and `docker import` it. The mirror is the one apt on
#   this machine already uses. Does nothing when the image exists.
set -euo pipefail
image=debian:bookworm-slim
if docker image inspect "$image" >/dev/null 2>&1; then
    echo "$image is already there"
    exit 0
fi
command -v debootstrap >/dev/null || {
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap
}
mirror=$(grep -hE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
         | grep -v security | head -n 1 | awk '{ print ($1 == "deb")? $2: $2 }')
[ -n "$mirror" ] || { echo "docker-base: no Debian mirror configured for apt" >&2; exit 1; }
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase bookworm "$root" "$mirror"
# Same package sources inside the image as on this machine.
cp /etc/apt/sources.list.d/*.sources "$root/etc/apt/sources.list.d/" 2>/dev/null || true
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb
tar -C "$root" -c . | docker import - "$image"
echo "built $image"
