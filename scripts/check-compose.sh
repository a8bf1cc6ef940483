#!/usr/bin/env bash
#   check-compose: the compose deployment, for real, on this machine, in
#   secure mode (CURVE on every socket).
#
#   Starts dockerd if none answers (installing Debian's docker.io and
#   docker-compose first if they are missing), builds the base image
#   debian:bookworm-slim if missing (scripts/docker-base.sh), builds the wsis
#   image, makes a deployment's keys (scripts/make-keys.sh, secrets given to
#   the containers' user), brings the stack of compose.yaml (plus
#   tests/compose/check.yaml: a manual clock, the command ports on loopback)
#   up under a project name of its own, waits (bounded) for every container
#   to be healthy, then checks:
#     - every container runs as non-root under an init
#     - the image has no fault-injection hook
#     - `wsisctl ping all` as the operator (the ctl tool): all seven ok;
#       the same without a key: no answer at all
#     - a whole prize cycle through the containers over CURVE
#       (tests/compose/cycle.py): submissions, nominations, votes, close,
#       selection, winners
#     - `compose restart voting`: voting comes back, healthy
#     - a killed (SIGKILL) service process is restarted by the restart
#       policy, and the winners are still the winners
#     - a voter's visit to the public pages in headless chromium on the
#       host, through the gateway's published port (tests/compose/pages.py):
#       sign in with the code from the file channel, vote, verify, results
#     - an event published through the bus journal is applied by reporting
#     - the data survives `down` + `up` (named volumes): the journal, the
#       reports, the winners
#   One PASS/FAIL line per check; the stack, its volumes and the keys are
#   always torn down (trap); exits non-zero when any check failed.
#
#   Environment: WSIS_CHECK_PROJECT (default wsischeck), WSIS_CHECK_HEALTH_S
#   (bound on each wait for health, default 120), KEEP_DOCKERD=1 (leave a
#   dockerd this script started running).
cd "$(dirname "$0")/.."

project=${WSIS_CHECK_PROJECT:-wsischeck}
health_bound=${WSIS_CHECK_HEALTH_S:-120}
stack_up=""

stack_down() {
    [ -n "$stack_up" ] || return 0
    if any_failed "$1"; then
        echo "---- last container logs ----"
        timeout 60 "${compose[@]}" logs --no-color --tail 30 2>&1 | tail -n 200
    fi
    step "down -v (teardown)" timeout 300 "${compose[@]}" down -v --remove-orphans
}
# wsisctl with the operator's certificate (the ctl tool container), bounded.
ctl() { timeout 60 "${compose[@]}" run --rm -T ctl "$@"; }

name=check-compose
. scripts/docker-lib.sh
stack_names || exit 1

# ------------------------------------------------------------ the engine
engine_start || exit 1
export WSIS_KEYS_DIR=$keys
files=(-p "$project" -f compose.yaml -f tests/compose/check.yaml)
if docker compose version >/dev/null 2>&1; then
    compose=(docker compose "${files[@]}")
else
    compose=(docker-compose "${files[@]}")
fi
say "engine $(docker version -f '{{.Server.Version}}' 2>/dev/null), $("${compose[@]}" version 2>/dev/null | head -n 1)"

# ------------------------------------------------------------ keys
make_keys "$keys" || exit 1

# ------------------------------------------------------------ images
base_image || exit 1
step "compose config" "${compose[@]}" config -q && pass "compose.yaml is valid" \
    || { fail "compose.yaml is not valid (see $log)"; exit 1; }
step "compose build" timeout 1800 "${compose[@]}" build \
    || { fail "compose build (see $log)"; exit 1; }

# ------------------------------------------------------------ helpers
# Leftovers of an earlier run of this project that could not tear down.
step "down -v (leftovers)" timeout 300 "${compose[@]}" down -v --remove-orphans
check_ports_free || exit 1

# The id of a service's container.
cid() { "${compose[@]}" ps -q "$1" 2>/dev/null | head -n 1; }
# Wait (bounded) until every container of the project is healthy.
wait_healthy() {
    local deadline=$(( $(now) + health_bound )) s id status states
    while :; do
        states="" ; local all=1
        for s in "${services[@]}"; do
            id=$(cid "$s")
            status=$([ -n "$id" ] && docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}no-healthcheck{{end}}' "$id" 2>/dev/null)
            states+="$s=${status:-missing} "
            [ "$status" = healthy ] || all=0
        done
        [ $all = 1 ] && { echo "$states"; return 0; }
        [ "$(now)" -ge "$deadline" ] && { echo "$states"; return 1; }
        sleep 2
    done
}

# ------------------------------------------------------------ up
stack_up=1
step "up -d" timeout 300 "${compose[@]}" up -d || { fail "compose up (see $log)"; exit 1; }
t0=$(now)
if states=$(wait_healthy); then
    pass "all ${#services[@]} containers healthy after $(( $(now) - t0 ))s"
else
    fail "not all containers healthy within ${health_bound}s: $states"; exit 1
fi

users="" inits=""
for s in "${services[@]}"; do
    id=$(cid "$s")
    users+="$(docker exec "$id" id -u) "
    inits+="$(docker exec "$id" cat /proc/1/comm) "
done
users=${users% } inits=${inits% }
if [[ " $users " != *" 0 "* ]]; then pass "every service runs as non-root (uid $users)"
else fail "a service runs as root (uid $users)"; fi
if [ "$(tr ' ' '\n' <<<"$inits" | grep -c '^docker-init$')" = "${#services[@]}" ]; then pass "every container runs under init (pid 1: docker-init)"
else fail "pid 1 of the containers: $inits"; fi

# A release image carries no test hook.
if docker run --rm --entrypoint sh wsis:latest -c '! grep -l fail-commit /usr/local/bin/wsis-*' >>"$log" 2>&1
then pass "the image has no fault-injection hook (built with FAULTS=0)"
else fail "the image's binaries contain the fault-injection hook"; fi

# ------------------------------------------------------------ ping all
out=$(ctl --compact ping all 2>>"$log"); rc=$?
check_ping_all "$out" "$rc" "as the operator"
check_readyz
# The same tool on the same network without a key: nothing answers.
network=$(docker inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' "$(cid bus)" | awk '{print $1}')
hosts=(-e WSIS_BUS=bus)         # each service by its name on the network, as compose.yaml says
for s in "${services[@]:1}"; do hosts+=(-e "WSIS_${s^^}_HOST=$s"); done
out=$(timeout 60 docker run --rm --network "$network" "${hosts[@]}" \
      wsis:latest wsisctl --timeout 1000 ping all 2>>"$log"); rc=$?
echo "$out"
check_no_answer "$out" "$rc"

# ------------------------------------------------------------ a prize cycle over CURVE
run_cycle "$keys" "the containers"
before_kill=$cycle_winners

# ------------------------------------------------------------ restart voting
t0=$(now)
step "restart voting" timeout 120 "${compose[@]}" restart voting
if wait_ping voting 60 && states=$(wait_healthy); then
    pass "compose restart voting: back and healthy after $(( $(now) - t0 ))s"
else
    fail "compose restart voting: not back within bounds: ${states:-no answer to ping}"
fi

# ------------------------------------------------------------ restart policy
votes_before=$(tally)
id=$(cid voting)
before=$(docker inspect -f '{{.RestartCount}}' "$id")
t0=$(now)
docker exec "$id" sh -c 'kill -KILL $(cat /proc/1/task/1/children)'
if wait_ping voting 60 && [ "$(docker inspect -f '{{.RestartCount}}' "$id")" -gt "$before" ]; then
    pass "restart policy: voting killed (SIGKILL) and restarted after $(( $(now) - t0 ))s"
else
    fail "restart policy: voting not restarted after SIGKILL (restarts $before -> $(docker inspect -f '{{.RestartCount}}' "$id"))"
fi
check_votes_kept "$votes_before" "$(tally)"

# ------------------------------------------------------------ the public pages in a browser
t0=$(now)
out=$(timeout 600 /usr/bin/python3 tests/compose/pages.py "$keys" "$(cid notifications)" 2>>"$log"); rc=$?
echo "$out"
if [ $rc = 0 ] && grep -q '^pages: ' <<<"$out"; then
    pass "the public pages in headless chromium through the gateway's published port in $(( $(now) - t0 ))s: ${out#pages: }"
else fail "the public pages in a browser: exit $rc (see $log; screenshots in build/test-artifacts/pages-compose/)"; fi

# ------------------------------------------------------------ event via the bus journal
out=$(ctl --compact publish forum.speaker.registered '{"session_id":"s1","name":"A","gender":"female"}' 2>>"$log"); rc=$?
echo "$out"
seq=$(json_get body.seq <<<"$out")
if [ $rc = 0 ] && [ -n "$seq" ]; then pass "publish forum.speaker.registered through the bus journal: seq $seq"
else fail "publish through the bus journal: exit $rc: $out"; fi
applied="" deadline=$(( $(now) + 30 ))
while :; do
    stats=$(ctl --compact reporting sys.stats 2>>"$log")
    applied=$(json_get body.sources.bus.applied <<<"$stats")
    [ -n "$applied" ] && [ "$applied" -ge 1 ] && break
    [ "$(now)" -ge "$deadline" ] && break
    sleep 1
done
echo "$stats"
if [ -n "$applied" ] && [ "$applied" -ge 1 ]; then pass "reporting applied the bus event (sources.bus.applied = $applied)"
else fail "reporting did not apply the bus event within 30s (sources.bus.applied = ${applied:-?})"; fi
bus_seq=$(json_get body.sources.bus.last_seq <<<"$stats")

# ------------------------------------------------------------ volumes: down + up
step "down (keeping volumes)" timeout 300 "${compose[@]}" down
vols=$(docker volume ls -q --filter "label=com.docker.compose.project=$project" | wc -l)
step "up -d (again)" timeout 300 "${compose[@]}" up -d || fail "compose up after down (see $log)"
t0=$(now)
if states=$(wait_healthy); then pass "after down + up: all ${#services[@]} healthy after $(( $(now) - t0 ))s ($vols volumes kept)"
else fail "after down + up: not all healthy within ${health_bound}s: $states"; fi
out=$(ctl --compact ping bus 2>>"$log")
echo "$out"
journal=$(json_get last_seq <<<"$out")
stats=$(ctl --compact reporting sys.stats 2>>"$log")
echo "$stats"
cursor=$(json_get body.sources.bus.last_seq <<<"$stats")
if [ -n "$journal" ] && [ -n "$seq" ] && [ "$journal" -ge "$seq" ]; then pass "bus journal survived down + up (last_seq $journal)"
else fail "bus journal lost by down + up (last_seq ${journal:-?}, published seq ${seq:-?})"; fi
if [ -n "$cursor" ] && [ -n "$bus_seq" ] && [ "$cursor" -ge "$bus_seq" ] && [ "$cursor" -ge 1 ]; then
    pass "reporting's data survived down + up (sources.bus.last_seq $cursor)"
else fail "reporting's data lost by down + up (sources.bus.last_seq ${cursor:-?}, was ${bus_seq:-?})"; fi
if [ -n "$before_kill" ] && [ "$(winners)" = "$before_kill" ]; then pass "after down + up: the same 18 winners"
else fail "after down + up the winners differ: $(winners)"; fi
