"""One report for `make bench`: how a bench hands its key figures to
bench/run.py, which prints them all in one table at the end.

    from figures import report

    report("votes: acked/s, closed loop", 31000, "votes/s",
           baseline=67000, baseline_name="raw SQLite loop")
    report("votes: p99 at 20,000/s offered", 60.3, "ms", target=10, better="lower")
    report("votes: acked/s vs Redis", None, "x", target=1.0)   # not measured: missing

or, so that a bench that fails half-way still lists every figure:

    def main():
        return measured(measure, report_figures)

    def measure(got):            # puts what it measured into got; the exit status
        ...
    def report_figures(got):     # called whatever happened
        report("votes: acked/s, closed loop", got.get("acked"), "votes/s")

report(name, value, unit, target=None, better="higher", baseline=None,
       baseline_name=None, note=None)
  name           the figure, unique within the bench ("<bench>: <what>" reads
                 best in the table);
  value          a number, or None when this run could not measure it (a
                 peer not installed, a phase that failed): the table shows it
                 as missing. Never invent one;
  unit           what the value counts: "votes/s", "ms", "MiB", "s", "x", ...;
  target         the figure to reach (issue 13's), or None;
  better         "higher" (met when value >= target) or "lower" (value <= target);
  baseline       the same work measured in the same run by something simpler
                 (a raw SQLite loop, a raw proxy): the table prints value /
                 baseline, which moves less with the machine than either;
  baseline_name  what the baseline is;
  note           a few words printed after the figure.

The last report of a name wins: a bench that might die before measuring
a figure can report it as None first, at its start, so the table still
lists it. Or, simpler, let measured() run the bench: its
report_figures(got) is called whatever happened, and reports None for
each figure not in got. A figure whose target is not met fails nothing:
benchmarks never fail on a timing.

Where the figures go: one JSON object per line appended to the file named
by the environment variable WSIS_BENCH_FIGURES (bench/run.py sets it, and
WSIS_BENCH_NAME to the bench's name). Without it (a bench run by hand)
report() writes nothing; the bench's own printed lines are the same either
way.
"""
import json
import os
import sys

FILE_VARIABLE = "WSIS_BENCH_FIGURES"
NAME_VARIABLE = "WSIS_BENCH_NAME"


def report(name, value, unit, target=None, better="higher", baseline=None, baseline_name=None,
           note=None):
    """Records one figure of this bench (see the top of this file)."""
    if better not in ("higher", "lower"):
        raise ValueError(f"better is 'higher' or 'lower', not {better!r}")
    path = os.environ.get(FILE_VARIABLE)
    if not path:
        return
    bench = os.environ.get(NAME_VARIABLE) or os.path.basename(sys.argv[0]).removesuffix(".py")
    line = {"bench": bench, "name": name, "value": _number(value), "unit": unit,
            "target": _number(target), "better": better, "baseline": _number(baseline),
            "baseline_name": baseline_name, "note": note}
    with open(path, "a") as out:
        out.write(json.dumps(line) + "\n")


def measured(measure, report_figures):
    """A bench's main: measure(got) puts what it measured into the dict
    got and returns the exit status; report_figures(got) reports them,
    also when measure failed half-way (None for what it did not get)."""
    got = {}
    try:
        return measure(got)
    finally:
        report_figures(got)


def _number(value):
    """A finite float, or None (a NaN or infinity is no measurement)."""
    if value is None:
        return None
    value = float(value)
    return value if value == value and abs(value) != float("inf") else None


# ------------------------------------------------------------------ the table (bench/run.py)

def read(path):
    """The figures recorded in path, in the order first reported, the last
    report of each (bench, name) winning; [] when there is no file."""
    figures = {}
    try:
        with open(path) as lines:
            for line in lines:
                line = line.strip()
                if line:
                    figure = json.loads(line)
                    figures[(figure["bench"], figure["name"])] = figure
    except FileNotFoundError:
        return []
    return list(figures.values())


def format_value(value, unit=""):
    if value is None:
        return "missing"
    magnitude = abs(value)
    digits = 0 if magnitude >= 100 else 1 if magnitude >= 10 else 2 if magnitude >= 0.1 else 3
    text = f"{value:,.{digits}f}"
    if unit == "x":
        return text + "x"
    return f"{text} {unit}" if unit else text


def verdict(figure):
    """'met', 'not met', 'missing' or '' (no target)."""
    if figure["target"] is None:
        return ""
    if figure["value"] is None:
        return "missing"
    if figure["better"] == "higher":
        return "met" if figure["value"] >= figure["target"] else "not met"
    return "met" if figure["value"] <= figure["target"] else "not met"


def ratio(figure):
    """value / baseline with the baseline's name, or '' without one."""
    if figure["baseline"] is None or figure["value"] is None or figure["baseline"] == 0:
        if figure.get("baseline_name") and figure["value"] is not None:
            return f"{figure['baseline_name']}: missing"
        return ""
    text = f"{figure['value'] / figure['baseline']:.2f}x"
    if figure.get("baseline_name"):
        text += f" {figure['baseline_name']} ({format_value(figure['baseline'], figure['unit'])})"
    return text


def table(figures, failed=()):
    """The report as a Markdown table (lines); benches in failed that
    reported nothing get a row of their own."""
    lines = ["| figure | value | target | met | vs baseline (same run) |",
             "|---|---|---|---|---|"]
    reported = set()
    for figure in figures:
        reported.add(figure["bench"])
        target = ""
        if figure["target"] is not None:
            sign = ">=" if figure["better"] == "higher" else "<="
            target = f"{sign} {format_value(figure['target'], figure['unit'])}"
        value = format_value(figure["value"], figure["unit"])
        if figure.get("note"):
            value += f" ({figure['note']})"
        lines.append(f"| {figure['name']} | {value} | {target} | {verdict(figure)} | {ratio(figure)} |")
    for bench in failed:
        if bench not in reported:
            lines.append(f"| {bench}: every figure | missing (the bench failed) | | | |")
    return lines
