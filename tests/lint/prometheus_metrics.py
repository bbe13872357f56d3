#!/usr/bin/env python3
"""Every metric and label that packaging/prometheus/erready-alerts.yml and
packaging/grafana/erready-dashboard.json use must be made by the module
they are written for (snmp.yml's `erready`), and the dashboard must be
valid JSON that Grafana imports as-is (datasource as an input variable).
Recording rules of the alert file count as metrics with the labels their
`by (...)` keeps. Usage: prometheus_metrics.py PACKAGING_PROMETHEUS_DIR"""
import json
import os
import re
import sys

import yaml

BUILTIN_LABELS = {"instance", "job", "__name__"}
PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
                "sum", "max", "min", "avg", "count", "label_replace", "vector", "bool", "offset"}


def module_metrics(snmp_yml, module):
    """{metric name: set of label names} of one snmp_exporter module."""
    out = {}
    for m in snmp_yml[module]["metrics"]:
        labels = {i["labelname"] for i in m.get("indexes", [])}
        labels |= {lk["labelname"] for lk in m.get("lookups", []) if lk.get("oid")}
        labels -= {lk["labelname"] for lk in m.get("lookups", []) if not lk.get("oid")}
        if m["type"] in ("EnumAsInfo", "EnumAsStateSet"):
            labels.add(m["name"])
        out[m["name"]] = labels
    return out


def names_in(expr):
    """(metric names, label names) an expression mentions."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # drop string literals
    labels = set()
    for sel in re.findall(r"\{([^}]*)\}", expr):
        labels |= set(re.findall(r"([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)", sel))
    for grp in re.findall(r"\b(?:by|without|on|ignoring)\s*\(([^)]*)\)", expr):
        labels |= {x.strip() for x in grp.split(",") if x.strip()}
    bare = re.sub(r"\{[^}]*\}", "", expr)
    bare = re.sub(r"\b(?:by|without|on|ignoring)\s*\([^)]*\)", "", bare)
    metrics = {w for w in re.findall(r"[A-Za-z_:][A-Za-z0-9_:]*", bare)
               if (w.startswith("er") or ":" in w) and w not in PROMQL_WORDS}
    return metrics, labels


def main():
    pdir = sys.argv[1]
    top = os.path.dirname(os.path.dirname(pdir))
    snmp = yaml.safe_load(open(os.path.join(pdir, "snmp.yml")))
    full = module_metrics(snmp, "erready")
    lean = module_metrics(snmp, "erready_lean")
    errors = []
    for name in lean:
        if name not in full:
            errors.append("lean module metric %s is not in the full module" % name)

    known = dict(full)
    rules = yaml.safe_load(open(os.path.join(pdir, "erready-alerts.yml")))
    for g in rules["groups"]:
        for r in g["rules"]:
            if "record" in r:
                m = re.match(r"\s*(?:sum|max|min|count|avg)\s+by\s*\(([^)]*)\)", r["expr"])
                keep = {x.strip() for x in m.group(1).split(",")} if m else set()
                if not m:
                    used, _ = names_in(r["expr"])
                    for u in used:
                        keep |= known.get(u, set())
                known[r["record"]] = keep
    all_labels = set().union(*known.values()) | BUILTIN_LABELS

    def check_expr(where, expr):
        metrics, labels = names_in(expr)
        if not metrics:
            errors.append("%s: no erready metric in %r" % (where, expr))
        for m in metrics:
            if m not in known:
                errors.append("%s: metric %s is not made by snmp.yml module erready" % (where, m))
        for lab in labels:
            if lab not in all_labels:
                errors.append("%s: label %s is not on any erready metric" % (where, lab))

    for g in rules["groups"]:
        for r in g["rules"]:
            check_expr("rule %s" % r.get("alert", r.get("record")), r["expr"])

    dash_path = os.path.join(top, "packaging", "grafana", "erready-dashboard.json")
    try:
        dash = json.load(open(dash_path))
    except ValueError as e:
        print("FAIL %s is not valid JSON: %s" % (dash_path, e))
        return 1
    if not any(i.get("pluginId") == "prometheus" for i in dash.get("__inputs", [])):
        errors.append("dashboard: no Prometheus datasource input (Grafana would not ask for one on import)")
    n = 0
    for p in dash["panels"]:
        for t in p.get("targets", []):
            n += 1
            check_expr("dashboard panel %r" % p["title"], t["expr"])
    for v in dash.get("templating", {}).get("list", []):
        q = v.get("definition", "")
        m = re.match(r"label_values\((\w+),\s*(\w+)\)", q)
        if m and (m.group(1) not in known or m.group(2) not in known[m.group(1)] | BUILTIN_LABELS):
            errors.append("dashboard variable %s: %s" % (v["name"], q))
    for e in errors:
        print("FAIL " + e)
    print("%d metrics in module erready, %d in erready_lean; %d dashboard queries and %d rules checked"
          % (len(full), len(lean), n, sum(len(g["rules"]) for g in rules["groups"])))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
