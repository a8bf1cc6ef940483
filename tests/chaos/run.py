"""The chaos suite: faults under load against the real services.

    /usr/bin/python3 tests/chaos/run.py            # make chaos: the whole suite (200 kills)
    /usr/bin/python3 tests/chaos/run.py --short    # make test: the short version (20 kills)
    /usr/bin/python3 tests/chaos/run.py votes_kill --kills 50

The full suite also runs, as scenarios, the integration test files of the
faults checked there (a real full disk, damaged files, hostile clients,
slow consumers: scenario_tests.py); the short version leaves them to `make
test`, which runs them with the rest. Prints one line per scenario, its
figures and PASS or FAIL (then why);
exits 1 when any scenario failed. A failed scenario's data dir and the
services' logs are kept, and the line after it says where.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import scenario_bus_down  # noqa: E402
import scenario_mixed  # noqa: E402
import scenario_tests  # noqa: E402
import scenario_votes_kill  # noqa: E402

# name -> run(kills, bus_down_s) -> (passed, figures, failures), in the order they run.
SCENARIOS = {
    "votes_kill": lambda kills, bus_down_s: scenario_votes_kill.run(kills),
    "bus_down": lambda kills, bus_down_s: scenario_bus_down.run(bus_down_s),
    "mixed": lambda kills, bus_down_s: scenario_mixed.run(max(6, kills // 4)),
    **{name: (lambda name: lambda kills, bus_down_s: scenario_tests.run(name))(name)
       for name in scenario_tests.FILES},
}
# In `make test` these run with the other integration tests already.
NOT_SHORT = set(scenario_tests.FILES)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                        help=f"the scenarios to run (default: all): {', '.join(SCENARIOS)}")
    parser.add_argument("--short", action="store_true", help="the short version of make test")
    parser.add_argument("--kills", type=int,
                        help="SIGKILLs of votes_kill (200; 20 with --short); mixed has a quarter (at least 6)")
    parser.add_argument("--bus-down", type=float, help="seconds the bus stays down (10; 3 with --short)")
    args = parser.parse_args()
    unknown = [name for name in args.scenarios if name not in SCENARIOS]
    if unknown:
        parser.error(f"no scenario {', '.join(unknown)}; the scenarios are {', '.join(SCENARIOS)}")
    kills = args.kills or (20 if args.short else 200)
    bus_down_s = args.bus_down or (3.0 if args.short else 10.0)

    failed = 0
    chosen = args.scenarios or [name for name in SCENARIOS if not (args.short and name in NOT_SHORT)]
    for name in chosen:
        start = time.monotonic()
        try:
            passed, figures, failures = SCENARIOS[name](kills, bus_down_s)
        except Exception as error:      # its world did not even start: a FAIL too
            passed, figures, failures = False, {}, [f"{type(error).__name__}: {error}"[:2000]]
        shown = " ".join(f"{k}={v}" for k, v in figures.items())
        print(f"chaos {name:<15} {shown} ({time.monotonic() - start:.0f} s) {'PASS' if passed else 'FAIL'}",
              flush=True)
        for failure in failures[:20]:
            print(f"    {failure}", flush=True)
        failed += not passed
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
