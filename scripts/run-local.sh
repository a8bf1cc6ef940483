#!/usr/bin/env bash
#   make run: the bus, the five services and the gateway as local processes, with the
#   settings of $WSIS_CONFIG (configs/wsis.cfg) and the environment:
#   `make run DATA=var-rehearsal CLOCK=manual` sets WSIS_DATA_DIR and
#   WSIS_CLOCK, so a rehearsal keeps its data apart from the real edition's.
#   Prints what it runs with and where each service listens; Ctrl-C, or
#   SIGINT or SIGTERM to this script, stops them all cleanly and waits.
set -u
cd "$(dirname "$0")/.."

# A job started in the background by a non-interactive shell (`make run &`
# in a script) starts with SIGINT ignored, and bash cannot trap a signal
# that was ignored on entry: start again with it at its default, so that
# SIGINT stops everything wherever the script runs.
if [ -z "${WSIS_RUN_LOCAL_SIGNALS:-}" ] && env --default-signal=INT true 2>/dev/null; then
    export WSIS_RUN_LOCAL_SIGNALS=1
    exec env --default-signal=INT,TERM "$0" "$@"
fi
unset WSIS_RUN_LOCAL_SIGNALS
export WSIS_CONFIG="${WSIS_CONFIG:-configs/wsis.cfg}"

# The settings in force, read the way the services read them (the file,
# then the environment).
setting() { bin/wsisctl -c "$WSIS_CONFIG" config "$1"; }
data_dir=$(setting wsis/data_dir) || { echo "run-local: cannot read $WSIS_CONFIG (make first?)" >&2; exit 1; }
calendar=$(setting wsis/calendar)
clock=$(setting wsis/clock)
keys=$(setting wsis/keys)
mkdir -p "$data_dir"

# The services in start order, the bus first: the binaries' own list.
services=$(bin/wsisctl services) || { echo "run-local: bin/wsisctl services failed (make first)" >&2; exit 1; }
pids=()

stop() {
    # A second signal while stopping (Ctrl-C twice, or `make run` passing
    # its own SIGTERM on to this script) must not cut the clean stop short.
    trap '' INT TERM
    echo
    echo "stopping: ${pids[*]}"
    kill -TERM "${pids[@]}" 2>/dev/null
    # Each service finishes its batch and closes its store; one still
    # running after 30 s is killed (what it acked is on disk already).
    for _ in $(seq 1 300); do
        [ -z "$(jobs -rp)" ] && break
        sleep 0.1
    done
    local left
    left=$(jobs -rp)
    if [ -n "$left" ]; then
        echo "run-local: killing what had not stopped in 30 s: $left"
        kill -KILL $left 2>/dev/null
    fi
    wait "${pids[@]}" 2>/dev/null
    echo "all services stopped"
    exit 0
}
trap stop INT TERM

for name in $services; do
    bin/wsis-$name -c "$WSIS_CONFIG" &
    pids+=($!)
done

# Ready when every service answers sys.ping (wsisctl exits 0 only then).
for _ in $(seq 1 100); do
    if bin/wsisctl -c "$WSIS_CONFIG" ping all --timeout 300 >/dev/null 2>&1; then
        break
    fi
    sleep 0.1
done
echo
echo "wsis is running:"
bin/wsisctl -c "$WSIS_CONFIG" ping all
echo
echo "  config:    $WSIS_CONFIG"
echo "  data dir:  $data_dir"
echo "  calendar:  $calendar"
if [ "$clock" = manual ]; then
    echo "  clock:     manual (each service goes on from the time it was last set; move them all"
    echo "             with bin/wsisctl clock set \"2027-03-31 22:00 Europe/Geneva\")"
else
    echo "  clock:     $clock (the system's)"
fi
if [ -n "$keys" ]; then
    echo "  keys:      $keys (secure mode: CURVE, roles from certificates)"
else
    echo "  keys:      none (development mode: roles as claimed, 127.0.0.1 only)"
fi
echo "  bus:       publishers port $(setting bus/xsub_port), subscribers $(setting bus/xpub_port), journal $(setting bus/port)"
echo "  http:      http://127.0.0.1:$(setting gateway/http_port)/readyz (wsis-gateway: the HTTP API)"
echo "  try:       bin/wsisctl ping all | bin/wsisctl clock get | bin/wsisctl tail --since 0"
echo "  stop:      Ctrl-C here, or kill -INT $$ (or -TERM) from elsewhere: stops everything."

# If one service dies, say so and stop the rest: a half system is worse.
wait -n "${pids[@]}"
echo "a service exited; stopping the others"
stop
