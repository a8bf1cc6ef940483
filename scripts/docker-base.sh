#!/usr/bin/env bash
#   Builds the base image debian:bookworm-slim locally, for machines that
#   reach Debian's package mirror but no image registry: debootstrap a
#   minimal bookworm and `docker import` it. The mirror is the one apt on
#   this machine already uses. Does nothing when the image exists.
set -euo pipefail
image=debian:bookworm-slim
suite=bookworm
if docker image inspect "$image" >/dev/null 2>&1; then
    echo "$image is already there"
    exit 0
fi
command -v debootstrap >/dev/null || {
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap
}

#   The first enabled Debian source of this machine for SUITE ("bookworm" or
#   "bookworm-security"), in either format: deb822 stanzas (*.sources, the
#   default since bookworm) or one-line entries (sources.list, *.list, where
#   "[options]" may stand before the URI). Files that do not exist are fine.
source_uri() {
    local want=$1 file
    for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -r "$file" ] || continue
        awk -v want="$want" '
            $1 == "deb" {
                i = 2
                if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                if ($(i + 1) == want) { print $i; exit }
            }' "$file"
    done
    for file in /etc/apt/sources.list.d/*.sources; do
        [ -r "$file" ] || continue
        awk -v want="$want" '
            BEGIN { RS = ""; FS = "\n" }
            {
                types = ""; uris = ""; suites = ""; enabled = "yes"
                for (i = 1; i <= NF; i++) {
                    if ($i ~ /^[ \t]*#/) continue
                    split($i, kv, ":"); key = tolower(kv[1])
                    value = substr($i, length(kv[1]) + 2); gsub(/^[ \t]+|[ \t]+$/, "", value)
                    if (key == "types") types = value
                    else if (key == "uris") uris = value
                    else if (key == "suites") suites = value
                    else if (key == "enabled") enabled = tolower(value)
                }
                if (enabled == "no" || (" " types " ") !~ / deb /) next
                if ((" " suites " ") ~ (" " want " ")) { split(uris, u, /[ \t]+/); print u[1]; exit }
            }' "$file"
    done
}
mirror=$(source_uri "$suite" | head -n 1 || true)
security=$(source_uri "$suite-security" | head -n 1 || true)
[ -n "$mirror" ] || { echo "docker-base: no Debian mirror for $suite configured for apt" >&2; exit 1; }
echo "docker-base: mirror $mirror${security:+, security $security}"

root=$(mktemp -d /tmp/docker-base.XXXXXX)
cleanup() {
    # debootstrap mounts /proc and /sys inside the target; never rm through them
    local m
    for m in $(awk -v r="$root" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r); do
        umount -l "$m" 2>/dev/null || true
    done
    rm -rf --one-file-system "$root"
}
trap cleanup EXIT
# mktemp makes the folder 0700; it becomes the image's "/", which every
# (non-root) user must be able to traverse.
chmod 0755 "$root"
debootstrap --variant=minbase "$suite" "$root" "$mirror"

# The same Debian sources inside the image as on this machine (the Debian
# ones only: other vendors' entries need keys the image does not have).
rm -f "$root/etc/apt/sources.list"
{
    printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\n' "$mirror" "$suite" "$suite"
    printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
    if [ -n "$security" ]; then
        printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\n' "$security" "$suite"
        printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
    fi
} > "$root/etc/apt/sources.list.d/debian.sources"

# "slim" as the registry's image: no docs, man pages or translations
# installed from now on, none left from debootstrap, and apt keeps no cache.
cat > "$root/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
EOF
cat > "$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/*
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin
find "$root/var/log" -type f -delete
rm -rf "$root"/tmp/* 2>/dev/null || true

tar --numeric-owner -C "$root" -c . | docker import --change 'CMD ["bash"]' - "$image"
echo "built $image"
