#!/usr/bin/env bash
#   make-keys: the keys of a deployment (docs/design.md, "Security").
#
#   scripts/make-keys.sh [DIR] [--owner UID]
#
#   Makes, in DIR (default var/keys), every certificate a deployment needs
#   that is not there yet: one per service (role service), one operator,
#   one staff and one gateway, with `wsisctl keygen`, and the voting key
#   (secret/voting.key: 64 random bytes, 0600). What exists is kept, so
#   running it again after adding a service makes only the new ones; to
#   rotate a key, remove its two files first (README, "Deploying for real").
#
#   --owner UID: the secret files are given to UID (the containers' user,
#   10001), which needs root: compose mounts them read-only into containers
#   that run as that user. DIR/public stays readable by all.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=var/keys owner=""
while [ $# -gt 0 ]; do
    case "$1" in
        --owner) owner=$2; shift 2 ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) dir=$1; shift ;;
    esac
done
wsisctl=${WSISCTL:-bin/wsisctl}
[ -x "$wsisctl" ] || { echo "make-keys: $wsisctl is missing: make it first (make)" >&2; exit 1; }

made=0
keygen() {
    if [ -e "$dir/public/$1.cert" ] || [ -e "$dir/secret/$1.cert_secret" ]; then return; fi
    "$wsisctl" keygen "$1" --role "$2" --dir "$dir" >/dev/null
    echo "make-keys: $1 ($2)"
    made=$((made + 1))
}
# wsis-gateway acts for the people it serves: its certificate's role is gateway.
for service in $("$wsisctl" services); do
    if [ "$service" = gateway ]; then keygen gateway gateway; else keygen "$service" service; fi
done
keygen operator operator
keygen staff staff
if [ ! -e "$dir/secret/voting.key" ]; then
    (umask 077 && head -c 64 /dev/urandom > "$dir/secret/voting.key.new" \
        && mv "$dir/secret/voting.key.new" "$dir/secret/voting.key")
    echo "make-keys: voting.key"
    made=$((made + 1))
fi
if [ -n "$owner" ]; then
    chown "$owner" "$dir"/secret/*
fi
echo "make-keys: $made made in $dir ($(ls "$dir/public" | wc -l) certificates allowed)"
