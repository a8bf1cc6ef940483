#!/usr/bin/env bash
#   make-keys: the keys of a deployment (docs/design.md, "Security").
#
#   scripts/make-keys.sh [DIR] [--owner UID] [--staff-token NAME]...
#
#   Makes, in DIR (default var/keys), every certificate a deployment needs
#   that is not there yet: one per service (role service), one operator,
#   one staff and one gateway, with `wsisctl keygen`, the voting key
#   (secret/voting.key: 64 random bytes, 0600), and a staff token for the
#   deployment's staff tool on the gateway's staff listener
#   (secret/staff-tool.staff_token: the token, 0600, for the tool;
#   secret/gateway.staff_tokens: its name and SHA-256, the file
#   gateway/staff_tokens names). What exists is kept, so running it again
#   after adding a service makes only the new ones; to rotate a key,
#   remove its two files first, and to rotate a staff token, its
#   .staff_token file: its line is replaced (README, "Deploying for real").
#
#   --staff-token NAME: a staff token for the tool NAME as well (1-64
#   letters, digits, '.', '_', '-': the actor.id of what it does).
#   --owner UID: the secret files are given to UID (the containers' user,
#   10001), which needs root: compose mounts them read-only into containers
#   that run as that user. DIR/public stays readable by all.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=var/keys owner="" tools=(staff-tool)
while [ $# -gt 0 ]; do
    case "$1" in
        --owner) owner=$2; shift 2 ;;
        --staff-token)
            if ! [[ "${2-}" =~ ^[A-Za-z0-9._-]{1,64}$ ]]; then
                echo "make-keys: '${2-}' is no staff tool name: 1-64 letters, digits, '.', '_', '-'" >&2
                exit 1
            fi
            tools+=("$2"); shift 2 ;;
        -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
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
# A staff token: 32 random bytes, base64url, given to the tool; the gateway
# keeps only its SHA-256, on the tool's line (a rotated token's old line
# goes).
stafftoken() {
    local file="$dir/secret/$1.staff_token" list="$dir/secret/gateway.staff_tokens" token
    if [ -e "$file" ]; then return; fi
    token=$(head -c 32 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=')
    (umask 077
     touch "$list"
     { awk -v name="$1" '$1 != name' "$list"
       printf '%s %s\n' "$1" "$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)"; } > "$list.new"
     mv "$list.new" "$list"
     printf '%s\n' "$token" > "$file.new" && mv "$file.new" "$file")
    echo "make-keys: $1 (staff token)"
    made=$((made + 1))
}
for tool in "${tools[@]}"; do stafftoken "$tool"; done
if [ -n "$owner" ]; then
    chown "$owner" "$dir"/secret/*
fi
echo "make-keys: $made made in $dir ($(ls "$dir/public" | wc -l) certificates allowed)"
