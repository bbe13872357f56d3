#!/usr/bin/python3
"""tests/bench/results.py - run the benchmarks and rewrite the README's results table.

usage: results.py [--quick | --full] [-b BUILD_DIR] [--readme README.md] [--only NAME ...]
                  [--from LOG ...] [--dry-run]
       results.py --check [--readme README.md]

Every benchmark prints, besides its human-readable output, one line per
figure on stdout:

    RESULT <id> | <figure, in words> | <target> | <measured, with unit>

This tool runs the benchmarks listed in BENCHES (--quick: small sizes and
few repetitions, a smoke run whose table is printed, not written, unless
--write; --full: the sizes the issue's targets name), collects those
lines (ids it has never seen are welcome: a new figure is a new row) and
rewrites the table between the markers
    <!-- results:begin --> and <!-- results:end -->
of the README: figure, target, measured, machine (cores, CPU model, load
average while the benchmark ran) and date (UTC). A row whose benchmark was
not run (not asked for, could not run, needs root) keeps its old figure,
machine and date: the table never shows a figure nobody measured, and says
when each one was. --from LOG reads RESULT lines from saved benchmark
output instead of running anything (the machine is then this one, the load
unknown).

--check is the lint (ctest lint.bench-results), not a timing: the table
is well-formed, ids are unique, and each id is one a benchmark prints (it
appears literally in a file of tests/bench other than this one).

The exit status of a run says whether the table could be written, not
whether any target was met. /usr/bin/python3, standard library only.
"""
import argparse
import datetime
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BEGIN = "<!-- results:begin -->"
END = "<!-- results:end -->"
HEADER = ["id", "figure", "target", "measured", "machine", "date"]
ID_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")
RESULT_RE = re.compile(r"^RESULT\s+(\S+)\s*\|(.*)\|(.*)\|(.*)$")

# name: (command for --quick, command for --full, needs root, timeout in s).
# {b} is the build directory, {py} this Python. Sizes: --full is what the
# issue's targets name; --quick only shows the benchmark still runs.
BENCHES = {
    "netconf": (
        ["{py}", "{h}/bench_netconf.py", "-s", "400", "-c", "100", "-n", "3", "--idle", "5", "{b}/agent/erreadyd"],
        ["{py}", "{h}/bench_netconf.py", "-s", "10000", "-c", "500", "--idle", "60", "{b}/agent/erreadyd"],
        False, 3600),
    "snmp": (["{h}/bench_snmp.sh", "-n", "1", "-b", "{b}"], ["{h}/bench_snmp.sh", "-b", "{b}"], True, 3600),
    "collect": (["{h}/bench_collect.sh", "-n", "2", "-b", "{b}"], ["{h}/bench_collect.sh", "-b", "{b}"], True, 3600),
    "agentx_idle": (["{py}", "{h}/bench_agentx_idle.py", "{b}/agent/erreadyd", "10"],
                    ["{py}", "{h}/bench_agentx_idle.py", "{b}/agent/erreadyd", "60"], True, 600),
    "partner": (["{py}", "{h}/bench_partner.py", "{b}/agent/erreadyd", "{b}/tests/bench/bench_partner_eval", "1"],
                ["{py}", "{h}/bench_partner.py", "{b}/agent/erreadyd", "{b}/tests/bench/bench_partner_eval",
                 "1", "100"], False, 3600),
}


def cell(s):
    """A table cell: one line, no column separator, no text a Markdown renderer takes for an HTML tag (<get>)."""
    s = re.sub(r"<(/?[A-Za-z][\w:-]*/?)>", r"&lt;\1&gt;", s)
    return " ".join(s.replace("|", "/").split())


def machine(load=None):
    model = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    s = "%d cores, %s" % (os.cpu_count() or 0, model)
    if load is not None:
        s += ", load %s" % load
    return cell(s)


def loadavg():
    try:
        return float(open("/proc/loadavg").read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def parse_results(text):
    """The RESULT lines of a benchmark's output: [(id, figure, target, measured)]."""
    out = []
    for line in text.splitlines():
        m = RESULT_RE.match(line.strip())
        if m:
            out.append(tuple([m.group(1)] + [cell(g) for g in m.groups()[1:]]))
    return out


def read_table(readme):
    """(text before, rows as dicts in order, text after); raises ValueError when malformed."""
    text = open(readme).read()
    if text.count(BEGIN) != 1 or text.count(END) != 1 or text.index(BEGIN) > text.index(END):
        raise ValueError("%s: needs exactly one %s followed by one %s" % (readme, BEGIN, END))
    before, rest = text.split(BEGIN, 1)
    body, after = rest.split(END, 1)
    lines = [ln for ln in body.strip("\n").splitlines() if ln.strip()]
    rows = []
    if not lines:
        return before, rows, after
    if len(lines) < 2:
        raise ValueError("results table: a header and a separator line are needed")
    head = [c.strip() for c in lines[0].strip().strip("|").split("|")]
    if head != HEADER:
        raise ValueError("results table: header is %r, expected %r" % (head, HEADER))
    if not re.match(r"^\|(\s*:?-+:?\s*\|){%d}$" % len(HEADER), lines[1].strip()):
        raise ValueError("results table: line 2 is not the separator line")
    seen = set()
    for n, ln in enumerate(lines[2:], 3):
        ln = ln.strip()
        if not (ln.startswith("|") and ln.endswith("|")):
            raise ValueError("results table: line %d is not a table row: %s" % (n, ln))
        cells = [c.strip() for c in ln[1:-1].split("|")]
        if len(cells) != len(HEADER):
            raise ValueError("results table: line %d has %d cells, expected %d" % (n, len(cells), len(HEADER)))
        row = dict(zip(HEADER, cells))
        row["id"] = row["id"].strip("`")
        if not ID_RE.match(row["id"]):
            raise ValueError("results table: line %d: bad id %r (area-prefix-words)" % (n, row["id"]))
        if row["id"] in seen:
            raise ValueError("results table: line %d: id %s twice" % (n, row["id"]))
        seen.add(row["id"])
        for k in HEADER[1:]:
            if not row[k]:
                raise ValueError("results table: line %d: empty %s" % (n, k))
        if not re.match(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2} UTC)?$", row["date"]):
            raise ValueError("results table: line %d: date %r is not YYYY-MM-DD[ HH:MM UTC]" % (n, row["date"]))
        rows.append(row)
    return before, rows, after


def format_table(rows):
    out = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for r in rows:
        out.append("| " + " | ".join(["`%s`" % r["id"]] + [r[k] for k in HEADER[1:]]) + " |")
    return "\n".join(out)


def write_table(readme, before, rows, after):
    text = before + BEGIN + "\n" + format_table(rows) + "\n" + END + after
    tmp = readme + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, readme)


def printed_ids():
    """The sources of the benchmarks: every RESULT id they can print appears in them, literally or as a format."""
    text = ""
    for name in sorted(os.listdir(HERE)):
        p = os.path.join(HERE, name)
        if os.path.isfile(p) and name != os.path.basename(__file__):
            try:
                text += open(p, errors="replace").read()
            except OSError:
                pass
    return text


def check(readme):
    try:
        _, rows, _ = read_table(readme)
    except (OSError, ValueError) as e:
        print("results.py --check: %s" % e)
        return 1
    if not rows:
        print("results.py --check: the results table has no row")
        return 1
    src = printed_ids()
    # ids printed from a format ("RESULT partner-fetch-%s | ..."): the number or word filled in
    formats = [re.compile("^%s$" % re.sub(r"%[sd]", "[a-z0-9]+", re.escape(f).replace(r"\%", "%")))
               for f in set(re.findall(r"RESULT ([a-z0-9-]*%[sd][a-z0-9%-]*)", src))]
    bad = [r["id"] for r in rows if not re.search(r"(?<![a-z0-9-])%s(?![a-z0-9-])" % re.escape(r["id"]), src) and
           not any(f.match(r["id"]) for f in formats)]
    if bad:
        print("results.py --check: no benchmark in tests/bench prints id(s): %s" % ", ".join(bad))
        return 1
    print("results.py --check: %d rows, well-formed, every id printed by a benchmark" % len(rows))
    return 0


def run_bench(name, argv, timeout):
    print("== %s: %s" % (name, " ".join(argv)), flush=True)
    l0 = loadavg()
    t = time.time()
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout,
                           universal_newlines=True, errors="replace")
        out, rc = p.stdout, p.returncode
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        rc = "timeout after %d s" % timeout
    except OSError as e:
        out, rc = "", str(e)
    l1 = loadavg()
    sys.stdout.write(out)
    res = parse_results(out)
    print("== %s: exit %s after %.0f s, %d RESULT lines" % (name, rc, time.time() - t, len(res)), flush=True)
    loads = [x for x in (l0, l1) if x is not None]
    load = "%.1f" % max(loads) if loads else None
    return res, load


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="small sizes, a smoke run (default): prints the table")
    mode.add_argument("--full", action="store_true", help="the sizes the targets name")
    mode.add_argument("--check", action="store_true", help="lint the table; run nothing")
    ap.add_argument("-b", "--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--readme", default=os.path.join(ROOT, "README.md"))
    ap.add_argument("--only", nargs="+", choices=sorted(BENCHES), help="run only these benchmarks")
    ap.add_argument("--from", dest="logs", nargs="+", help="read RESULT lines from saved output; run nothing")
    ap.add_argument("--dry-run", action="store_true", help="print the table, leave the README alone")
    ap.add_argument("--write", action="store_true", help="with --quick: write its small-size figures all the same")
    o = ap.parse_args()
    if o.check:
        return check(o.readme)
    try:
        before, rows, after = read_table(o.readme)
    except (OSError, ValueError) as e:
        print("results.py: %s" % e)
        return 1
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    got = []  # (id, figure, target, measured, machine)
    if o.logs:
        for log in o.logs:
            got += [r + (machine(),) for r in parse_results(open(log, errors="replace").read())]
    else:
        build = os.path.abspath(o.build)
        for name in (o.only or sorted(BENCHES)):
            quick, full, root, timeout = BENCHES[name]
            if root and os.geteuid() != 0:
                print("== %s: needs root, not run (its rows stay as they were)" % name)
                continue
            argv = [a.format(b=build, h=HERE, py=sys.executable) for a in (full if o.full else quick)]
            res, load = run_bench(name, argv, timeout)
            got += [r + (machine(load),) for r in res]
    by_id = {r["id"]: r for r in rows}
    for rid, figure, target, measured, mach in got:
        if not ID_RE.match(rid):
            print("results.py: ignored RESULT with a bad id %r" % rid)
            continue
        row = {"id": rid, "figure": figure or "?", "target": target or "none",
               "measured": measured or "?", "machine": mach, "date": now}
        if rid in by_id:
            by_id[rid].update(row)
        else:
            by_id[rid] = row
            rows.append(row)
    print("%d figures measured; table: %d rows" % (len(got), len(rows)))
    # a smoke run's figures are of small sizes: not the README's unless asked
    if o.dry_run or (not o.full and not o.logs and not o.write):
        print(format_table(rows))
    else:
        write_table(o.readme, before, rows, after)
    return 0


if __name__ == "__main__":
    sys.exit(main())
