#   docker-lib: what scripts/check-compose.sh and scripts/check-swarm.sh
#   share, sourced by both: reporting (one PASS/FAIL line per check, each
#   step's output in a log), the stack's services and ports, starting
#   Debian's dockerd where none answers, the deployment's keys (in $keys, a
#   folder of its own), the checks both make and a few small readers.
#
#   The sourcing script sets `name` (its name in messages) first, defines
#   `ctl` (wsisctl as the operator, reaching the stack its way) and
#   `stack_down RC` (takes down whatever of its stack is up, with the
#   stack's logs when any_failed RC), then calls stack_names before
#   anything else. The EXIT trap here calls stack_down, then cleans up.

set -uo pipefail
log=$(mktemp "/tmp/$name.XXXXXX.log")
keys=$(mktemp -d "/tmp/$name-keys.XXXXXX")
sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
passed=0 failed=0 started_dockerd=""
services=() ports=()
trap on_exit EXIT
trap 'exit 130' INT TERM

now() { date +%s; }
say() { echo "$name: $*"; }
pass() { passed=$((passed + 1)); echo "PASS: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
# A step and how long it took; its output goes to the log.
step() {
    local what=$1; shift
    local t0; t0=$(now)
    echo "== $what" >>"$log"
    "$@" >>"$log" 2>&1
    local rc=$?
    if [ $rc = 0 ]; then say "$what: $(( $(now) - t0 ))s"
    else say "$what: $(( $(now) - t0 ))s, exit $rc"; fi
    return $rc
}

# The stack's services (wsisctl services) and the ports compose.yaml plus
# tests/compose/check.yaml publish on the host: every port of the option
# table's defaults (wsisctl ports; the containers run without a
# configuration file). One list, the binaries' own (wsis_config.c).
stack_names() {
    [ -x bin/wsisctl ] || step "make (bin/wsisctl)" make --no-print-directory all \
        || { fail "building bin/wsisctl (see $log)"; return 1; }
    services=($(bin/wsisctl services)) && ports=($(bin/wsisctl -c /dev/null ports | awk '{print $2}')) \
        && [ ${#services[@]} -gt 0 ] && [ ${#ports[@]} -gt 0 ] \
        || { fail "bin/wsisctl services / ports"; return 1; }
}

# Installs Debian's docker.io (and docker-compose) when missing and starts
# dockerd when none answers; remembers a dockerd it started.
engine_start() {
    local need=()
    command -v dockerd >/dev/null || need+=(docker.io)
    command -v docker >/dev/null || need+=(docker.io)
    docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null || need+=(docker-compose)
    if [ ${#need[@]} -gt 0 ]; then
        step "install ${need[*]}" bash -c "$sudo apt-get update -q && DEBIAN_FRONTEND=noninteractive \
            $sudo apt-get install -y -q $(printf '%s\n' "${need[@]}" | sort -u | tr '\n' ' ')" \
            || { fail "installing ${need[*]} (see $log)"; return 1; }
    fi
    timeout 20 docker info >/dev/null 2>&1 && return 0
    local t0; t0=$(now)
    setsid dockerd >>"/tmp/$name-dockerd.log" 2>&1 </dev/null &
    started_dockerd=$!
    for _ in $(seq 1 60); do timeout 10 docker info >/dev/null 2>&1 && break; sleep 1; done
    if ! timeout 10 docker info >/dev/null 2>&1; then
        fail "dockerd did not answer within 60s (see /tmp/$name-dockerd.log)"; return 1
    fi
    say "started dockerd (pid $started_dockerd): $(( $(now) - t0 ))s"
}

# Stops the dockerd engine_start started, unless KEEP_DOCKERD=1.
engine_stop() {
    [ -n "$started_dockerd" ] && [ "${KEEP_DOCKERD:-0}" != 1 ] || return 0
    kill "$started_dockerd" 2>/dev/null
    for _ in $(seq 1 30); do kill -0 "$started_dockerd" 2>/dev/null || break; sleep 1; done
    say "stopped the dockerd it started (pid $started_dockerd)"
}

# The deployment's keys in DIR, as an operator makes them with the host's
# wsisctl (stack_names built it); the containers' user (10001) gets the
# secrets.
make_keys() {
    local dir=$1
    chmod 0755 "$dir"
    step "keys (scripts/make-keys.sh)" $sudo scripts/make-keys.sh "$dir" --owner 10001 \
        && pass "keys made: $(ls "$dir/public" | wc -l) certificates, secrets 0600 for uid 10001" \
        || { fail "making the keys (see $log)"; return 1; }
}

# The base image debian:bookworm-slim, built locally when missing.
base_image() {
    step "base image (scripts/docker-base.sh)" scripts/docker-base.sh \
        || { fail "building the base image debian:bookworm-slim (see $log)"; return 1; }
}

# The ports of the arguments that something on 127.0.0.1 already holds.
busy_ports() {
    python3 - "$@" <<'PY'
import socket, sys
for port in sys.argv[1:]:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", int(port)))
    except OSError:
        print(port, end=" ")
    finally:
        s.close()
PY
}

# A field of a JSON document on stdin ("a.b.c"), or "" when absent.
json_get() {
    python3 -c '
import json, sys
try:
    value = json.load(sys.stdin)
    for key in sys.argv[1].split("."):
        value = value[key]
    print(value)
except Exception:
    print("")' "$1"
}

# True when a check failed or the script is ending with RC, not 0.
any_failed() { [ "$failed" -gt 0 ] || [ "$1" -ne 0 ]; }

# The EXIT trap: the stack down (the script's stack_down), the dockerd
# this script started, the keys, then the last line (how many checks
# passed and failed, and where the log is); exits 1 when any_failed.
on_exit() {
    local rc=$?
    trap - EXIT INT TERM
    stack_down "$rc"
    engine_stop
    $sudo rm -rf "$keys"
    say "log: $log"
    say "$passed passed, $failed failed"
    if any_failed "$rc"; then exit 1; fi
    exit 0
}

# Fails (and says what holds them) when any of the stack's ports on
# 127.0.0.1 is taken.
check_ports_free() {
    local busy
    busy=$(busy_ports "${ports[@]}")
    [ -z "$busy" ] && return 0
    fail "127.0.0.1 port(s) $busy in use (another wsis stack? docker ps): the stack publishes ${ports[*]}"
    return 1
}

# Waits (bounded: SECONDS) for SERVICE to answer a ping.
wait_ping() {
    local deadline=$(( $(now) + $2 ))
    until ctl ping "$1" --timeout 1000 >/dev/null 2>&1; do
        [ "$(now)" -ge "$deadline" ] && return 1
        sleep 1
    done
}

# The votes wsis-voting has counted in the prize call.
tally() { ctl --compact voting vote.tally '{"call": "prizes-2022"}' 2>>"$log" | json_get body.votes; }

# Judges the tallies before and after a SIGKILL of voting: every vote kept.
check_votes_kept() {
    local before=$1 after=$2
    if [ -n "$before" ] && [ "$before" -gt 0 ] && [ "$after" = "$before" ]; then
        pass "after the SIGKILL: voting has the same $after votes"
    else fail "after the SIGKILL: votes ${before:-?} -> ${after:-?}"; fi
}

# Judges the output of `wsisctl ping all` (OUT, exit RC) made WHO.
check_ping_all() {
    local out=$1 rc=$2 who=$3 ok
    echo "$out"
    ok=$(grep -c '"ok":true' <<<"$out")
    local n=${#services[@]}
    if [ "$rc" = 0 ] && [ "$ok" = "$n" ]; then pass "wsisctl ping all $who, over CURVE: $n/$n ok"
    else fail "wsisctl ping all $who: exit $rc, $ok/$n ok"; fi
}
# The gateway's readiness over HTTP from the host: every service answers it.
check_readyz() {
    local out
    out=$(timeout 30 /usr/bin/python3 -c '
import json, sys, time, urllib.request, urllib.error
deadline = time.monotonic() + 20
while True:
    try:
        with urllib.request.urlopen("http://127.0.0.1:8080/readyz", timeout=5) as r:
            print(r.status, r.read().decode()); break
    except (urllib.error.URLError, OSError) as e:
        if time.monotonic() > deadline:
            print("no", e); break
        time.sleep(1)
' 2>&1)
    echo "$out"
    if grep -q '^200 .*"ready": *true' <<<"$out"; then pass "the gateway on :8080 is ready over HTTP (every service answers it)"
    else fail "the gateway's /readyz on :8080: $out"; fi
}
# Judges the output of `wsisctl ping all` (OUT, exit RC) made without a key.
check_no_answer() {
    local out=$1 rc=$2
    if [ "$rc" = 2 ] && [ "$(grep -c '"ok":true' <<<"$out")" = 0 ]; then pass "without a key: no service answers"
    else fail "without a key: exit $rc, $(grep -c '"ok":true' <<<"$out") answered"; fi
}
# The winners as wsis-reporting tells them, from the host over CURVE (the
# keys in $keys).
winners() { timeout 60 /usr/bin/python3 tests/compose/cycle.py "$keys" winners 2>&1 | tail -n 1; }
# The whole prize cycle of tests/compose/cycle.py with the keys in DIR
# through WHERE; sets cycle_winners to the winners it reported.
run_cycle() {
    local dir=$1 where=$2 t0 cycle rc
    t0=$(now)
    cycle=$(timeout 900 /usr/bin/python3 tests/compose/cycle.py "$dir" run 2>>"$log"); rc=$?
    echo "$cycle"
    cycle_winners=$(tail -n 1 <<<"$cycle")
    if [ $rc = 0 ] && grep -q '18 winners' <<<"$cycle"; then
        pass "a whole prize cycle through $where over CURVE in $(( $(now) - t0 ))s: $(head -n 1 <<<"$cycle")"
    else fail "the prize cycle through $where: exit $rc (see $log)"; fi
}
