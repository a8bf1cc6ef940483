#!/usr/bin/env bash
#   check-swarm: the same compose.yaml deployed unchanged as a Docker Swarm
#   stack, for real, on a single-node swarm, in secure mode.
#
#   Starts dockerd if none answers (scripts/docker-lib.sh), makes this node
#   a swarm manager if it is none (and leaves the swarm again at the end),
#   gives the node the seven placement labels (wsis.bus, wsis.voting, ...),
#   builds the wsis image, makes a deployment's keys, and runs
#   `docker stack deploy -c compose.yaml -c tests/compose/check.yaml` (the
#   check file adds a manual clock and the command ports). Then checks:
#     - every service runs one healthy task, found by DNS round robin
#       (endpoint_mode dnsrr), and the ctl tool runs none
#     - placement: without its label a service has no node to run on; with
#       the label back it runs again
#     - `wsisctl ping all` as the operator through the published ports:
#       7/7 ok; without a key nothing answers
#     - a whole prize cycle over CURVE (tests/compose/cycle.py)
#     - a task killed with SIGKILL is replaced by swarm, and voting still has
#       every vote
#     - the data survives `docker stack rm` and a new deploy (the volumes
#       stay on the node): the same winners
#   One PASS/FAIL line per check; the stack, its volumes, the labels, the
#   keys (and the swarm and dockerd when this script started them) are
#   always removed (trap); exits non-zero when any check failed.
#
#   Environment: WSIS_CHECK_STACK (default wsisswarm), WSIS_CHECK_HEALTH_S
#   (bound on each wait, default 180), KEEP_DOCKERD=1.
cd "$(dirname "$0")/.."

stack=${WSIS_CHECK_STACK:-wsisswarm}
health_bound=${WSIS_CHECK_HEALTH_S:-180}
deployed="" started_swarm="" labelled="" node=""

stack_down() {
    if [ -n "$deployed" ]; then
        if any_failed "$1"; then
            echo "---- last service logs ----"
            for s in "${services[@]}"; do
                timeout 20 docker service logs --no-task-ids --tail 15 "${stack}_$s" 2>&1
            done | tail -n 200
        fi
        stack_remove
        step "remove the stack's volumes" remove_volumes
    fi
    if [ -n "$labelled" ]; then
        local s
        for s in "${services[@]}"; do
            docker node update --label-rm "wsis.$s" "$node" >/dev/null 2>&1
        done
    fi
    [ -z "$started_swarm" ] || step "leave the swarm" docker swarm leave --force
}
# The host's wsisctl through the published ports (configs/wsis.cfg: the
# services on 127.0.0.1), with the operator's key.
ctl() { WSIS_KEYS=$keys timeout 60 bin/wsisctl "$@"; }

name=check-swarm
. scripts/docker-lib.sh
stack_names || exit 1

# ------------------------------------------------------------ helpers
# Removes the stack and waits (bounded) until its containers are gone.
stack_remove() {
    step "stack rm" timeout 120 docker stack rm "$stack"
    local deadline=$(( $(now) + 120 ))
    while [ -n "$(docker ps -aq --filter "label=com.docker.stack.namespace=$stack")" ]; do
        [ "$(now)" -ge "$deadline" ] && { say "containers of $stack still there after 120s"; return 1; }
        sleep 1
    done
}
# The stack's volumes; a volume lingers a moment after its container.
remove_volumes() {
    local deadline=$(( $(now) + 60 )) left
    while :; do
        left=$(docker volume ls -q --filter "label=com.docker.stack.namespace=$stack")
        [ -z "$left" ] && return 0
        docker volume rm $left || true
        [ "$(now)" -ge "$deadline" ] && return 1
        sleep 1
    done
}
deploy() {
    timeout 180 docker stack deploy --resolve-image never \
        -c compose.yaml -c tests/compose/check.yaml "$stack"
}
# "name replicas" of each service of the stack.
replicas() {
    docker service ls --filter "label=com.docker.stack.namespace=$stack" \
        --format '{{.Name}} {{.Replicas}}' 2>/dev/null | sed "s/^${stack}_//" | sort
}
# Wait (bounded) until every service of the seven runs its task (swarm counts
# a task with a healthcheck only once it is healthy).
wait_running() {
    local deadline=$(( $(now) + health_bound )) states s all
    while :; do
        states=$(replicas | tr '\n' ' ')
        all=1
        for s in "${services[@]}"; do
            [[ " $states " == *" $s 1/1 "* ]] || all=0
        done
        [ $all = 1 ] && { echo "$states"; return 0; }
        [ "$(now)" -ge "$deadline" ] && { echo "$states"; return 1; }
        sleep 2
    done
}
# The running container of a service's task on this node.
task_container() {
    docker ps -q --filter "label=com.docker.swarm.service.name=${stack}_$1" | head -n 1
}

# ------------------------------------------------------------ the engine and the swarm
engine_start || exit 1
say "engine $(docker version -f '{{.Server.Version}}' 2>/dev/null)"
if [ "$(docker info -f '{{.Swarm.LocalNodeState}}' 2>/dev/null)" != active ]; then
    step "swarm init" docker swarm init --advertise-addr 127.0.0.1 \
        || { fail "docker swarm init (see $log)"; exit 1; }
    started_swarm=1
fi
node=$(docker info -f '{{.Swarm.NodeID}}')
labels=()
for s in "${services[@]}"; do labels+=(--label-add "wsis.$s=true"); done
labelled=1
step "label the node" docker node update "${labels[@]}" "$node" \
    || { fail "labelling the node (see $log)"; exit 1; }

# ------------------------------------------------------------ keys and image
make_keys "$keys" || exit 1
export WSIS_KEYS_DIR=$keys
base_image || exit 1
step "docker build" timeout 1800 docker build -t wsis:latest . \
    || { fail "building the wsis image (see $log)"; exit 1; }
check_ports_free || exit 1

# ------------------------------------------------------------ deploy
deployed=1
t0=$(now)
step "stack deploy" deploy && pass "compose.yaml deployed unchanged as a swarm stack" \
    || { fail "docker stack deploy (see $log)"; exit 1; }
if states=$(wait_running); then pass "all ${#services[@]} services run a healthy task after $(( $(now) - t0 ))s"
else fail "not every service ran a healthy task within ${health_bound}s: $states"; exit 1; fi
if [[ " $states " == *" ctl 0/0 "* ]]; then pass "the ctl tool runs no task (replicas 0)"
else fail "the ctl tool: $states"; fi
modes=""
for s in "${services[@]}"; do
    modes+="$(docker service inspect -f '{{.Spec.EndpointSpec.Mode}}' "${stack}_$s") "
done
if [ "$(tr ' ' '\n' <<<"$modes" | grep -c '^dnsrr$')" = "${#services[@]}" ]; then pass "every service found by DNS round robin (endpoint_mode dnsrr)"
else fail "endpoint modes: $modes"; fi

# ------------------------------------------------------------ placement
t0=$(now)
docker node update --label-rm wsis.reporting "$node" >>"$log" 2>&1
docker service update --detach --force "${stack}_reporting" >>"$log" 2>&1
pending="" deadline=$(( $(now) + 60 ))
while [ "$(now)" -lt "$deadline" ]; do
    pending=$(docker service ps --filter desired-state=running --format '{{.CurrentState}} {{.Error}}' "${stack}_reporting" | head -n 1)
    [[ "$pending" == Pending* ]] && [ -z "$(task_container reporting)" ] && break
    sleep 1
done
echo "reporting without its label: $pending" >>"$log"
if [[ "$pending" == Pending* ]] && [ -z "$(task_container reporting)" ]; then
    pass "placement: without the label wsis.reporting, reporting has no node ($pending)"
else fail "placement: reporting without its label: ${pending:-?}"; fi
docker node update --label-add wsis.reporting=true "$node" >>"$log" 2>&1
if states=$(wait_running) && wait_ping reporting 60; then
    pass "placement: with the label back, reporting runs again after $(( $(now) - t0 ))s"
else fail "placement: reporting did not come back: $states"; fi

# ------------------------------------------------------------ ping all
out=$(ctl --compact ping all 2>>"$log"); rc=$?
check_ping_all "$out" "$rc" "as the operator through the published ports"
check_readyz
out=$(env -u WSIS_KEYS -u WSIS_CERT timeout 60 bin/wsisctl --compact --timeout 1000 ping all 2>>"$log"); rc=$?
check_no_answer "$out" "$rc"

# ------------------------------------------------------------ a prize cycle over CURVE
run_cycle "$keys" "the swarm services"
before=$cycle_winners

# ------------------------------------------------------------ a killed task
votes_before=$(tally)
old=$(task_container voting)
t0=$(now)
docker kill -s KILL "$old" >>"$log" 2>&1
replaced="" deadline=$(( $(now) + health_bound ))
while [ "$(now)" -lt "$deadline" ]; do
    id=$(task_container voting)
    if [ -n "$id" ] && [ "$id" != "$old" ] && wait_ping voting 5; then replaced=$id; break; fi
    sleep 1
done
if [ -n "$replaced" ]; then pass "a SIGKILLed voting task replaced by swarm after $(( $(now) - t0 ))s"
else fail "voting was not replaced within ${health_bound}s after SIGKILL"; fi
check_votes_kept "$votes_before" "$(tally)"

# ------------------------------------------------------------ stack rm + deploy
stack_remove
vols=$(docker volume ls -q --filter "label=com.docker.stack.namespace=$stack" | wc -l)
t0=$(now)
step "stack deploy (again)" deploy || fail "docker stack deploy again (see $log)"
if states=$(wait_running); then pass "after stack rm + deploy: all ${#services[@]} running after $(( $(now) - t0 ))s ($vols volumes kept)"
else fail "after stack rm + deploy: $states"; fi
wait_ping reporting 60
if [ -n "$before" ] && [ "$(winners)" = "$before" ]; then pass "after stack rm + deploy: the same 18 winners"
else fail "after stack rm + deploy the winners differ: $(winners)"; fi
