#!/usr/bin/env bash
#   make run: the bus and the five services as local processes, SQLite files
#   under var/ (or $WSIS_DATA_DIR). Prints where each listens; Ctrl-C (or
#   SIGTERM) stops them all cleanly and waits for them.
set -u
cd "$(dirname "$0")/.."
export WSIS_CONFIG="${WSIS_CONFIG:-configs/wsis.cfg}"
data_dir="${WSIS_DATA_DIR:-var}"
mkdir -p "$data_dir"

# The services in start order, the bus first: the binaries' own list.
services=$(bin/wsisctl services) || { echo "run-local: bin/wsisctl services failed (make first)" >&2; exit 1; }
pids=()

stop() {
    trap - INT TERM
    echo
    echo "stopping: ${pids[*]}"
    kill -TERM "${pids[@]}" 2>/dev/null
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
echo "wsis is running (data in $data_dir/, config $WSIS_CONFIG):"
bin/wsisctl -c "$WSIS_CONFIG" ping all
echo
echo "  bus: publishers tcp://127.0.0.1:5550, subscribers tcp://127.0.0.1:5551, journal tcp://127.0.0.1:5552"
echo "  try: bin/wsisctl ping all | bin/wsisctl tail | bin/wsisctl submissions sys.stats"
echo "  Ctrl-C stops everything."

# If one service dies, say so and stop the rest: a half system is worse.
wait -n "${pids[@]}"
echo "a service exited; stopping the others"
stop
