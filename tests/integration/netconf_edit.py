#!/usr/bin/python3
"""Integration test: edit-config and its friends on erreadyd's NETCONF view.

Runs erreadyd on a host-state snapshot (--observed) with examples/erready.json
as config and NETCONF on a UNIX socket only, and drives it with ncclient
(nclib): every edit-config operation on running and candidate, default-
operation, test-option, error-option, bad input (each must leave running
byte-identical), the write-only md5-key, with-defaults, copy-config and
delete-config, and the UNIX socket's permissions (a child as uid 65534).

Where erreadyd (or the libnetconf2/libyang it is built on) deviates from
RFC 6241/6243, the check asserts the RFC's behaviour and fails; lines
starting "info" record behaviour the RFCs leave open.
Usage: netconf_edit.py ERREADYD
"""
import copy
import grp
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time

from lxml import etree

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import nclib  # noqa: E402
from nclib import check, info, poll  # noqa: E402

ER_NS = "urn:erready:params:xml:ns:yang:expressroute-readiness"
NC_NS = nclib.NC_NS
WD_NS = "urn:ietf:params:xml:ns:yang:ietf-netconf-with-defaults"   # the <with-defaults> parameter
WD_ATTR_NS = "urn:ietf:params:xml:ns:netconf:default:1.0"          # RFC 6243 section 6: the default="true" attribute
NSMAP = {"er": ER_NS, "nc": NC_NS}
AMS = "/er:expressroute/er:circuit[er:name='er-ams-1']"
SECRET = "Sekr1tMd5Key42"
NOBODY = 65534


# ---------------------------------------------------------------------------
# requests and replies

def wd_param(wd):
    return '<with-defaults xmlns="%s">%s</with-defaults>' % (WD_NS, wd) if wd else ""


def get_config(m, ds="running", wd=None, flt=None):
    f = '<filter type="subtree">%s</filter>' % flt if flt else ""
    return nclib.rpc(m, "<get-config><source><%s/></source>%s%s</get-config>" % (ds, f, wd_param(wd)))


def get(m, wd=None):
    return nclib.rpc(m, "<get>%s</get>" % wd_param(wd))


def edit(m, inner, target="running", defop=None, testopt=None, errop=None):
    """edit-config with <expressroute> holding inner (prefix nc: is the base namespace)."""
    params = "".join("<%s>%s</%s>" % (n, v, n) for n, v in (("default-operation", defop), ("test-option", testopt),
                                                               ("error-option", errop)) if v)
    return nclib.rpc(m, '<edit-config xmlns:nc="%s"><target><%s/></target>%s<config><expressroute xmlns="%s">%s'
                     '</expressroute></config></edit-config>' % (NC_NS, target, params, ER_NS, inner))


def data_of(reply):
    """The <data> element of a reply, None if there is none."""
    root = etree.fromstring(reply.xml.encode() if hasattr(reply, "xml") else reply)
    return root.find("{%s}data" % NC_NS)


def vals(reply, xpath):
    d = data_of(reply)
    return [] if d is None else [(e.text or "") for e in d.xpath("." + xpath, namespaces=NSMAP)]


def one(reply, xpath):
    v = vals(reply, xpath)
    return v[0] if len(v) == 1 else None


def snapshot(m, ds="running"):
    """Canonical bytes of a datastore with every default (report-all): equal bytes, equal datastore."""
    d = data_of(get_config(m, ds, "report-all"))
    return None if d is None else etree.tostring(d, method="c14n")


def ok_reply(r):
    return not nclib.errors(r) and "<ok/>" in r.xml.replace(" ", "")


def short(r, n=400):
    return (r.xml if hasattr(r, "xml") else r.decode("utf-8", "replace"))[:n]


def expect_error(r, tags, names, what):
    """r carries an rpc-error whose tag is one of tags and whose path, message
    or error-info mention every string of names.  Returns the errors."""
    e = nclib.errors(r)
    if not e:
        check(False, "%s: rpc-error (got %s)" % (what, short(r)))
        return e
    text = " ".join([e[0].get("error-path", ""), e[0].get("error-message", "")] +
                    list(e[0].get("error-info", {}).values()))
    good = e[0].get("error-tag") in tags and all(n in text for n in names)
    check(good, "%s: %s, naming %s (got %s: path %s, message %s, info %s)" % (
        what, "/".join(tags), ", ".join(names), e[0].get("error-tag"), e[0].get("error-path"),
        e[0].get("error-message"), e[0].get("error-info")))
    return e


def expect_ok(r, what):
    check(ok_reply(r), "%s%s" % (what, "" if ok_reply(r) else " (got %s)" % short(r)))


class Ctx(object):
    pass


# ---------------------------------------------------------------------------
# 1. the operations, on running and on candidate

def test_operations(c, m, target):
    T = "[%s] " % target
    running_before = snapshot(m, "running")

    def cfg(wd=None):
        return get_config(m, target, wd)

    # merge: a leaf, and into an existing list entry (its other children stay)
    expect_ok(edit(m, "<agent><poll-interval>111</poll-interval></agent>"
                      "<circuit><name>er-ams-1</name><provider>Megaport</provider></circuit>", target),
              T + "merge")
    r = cfg()
    check(one(r, "/er:expressroute/er:agent/er:poll-interval") == "111" and
          one(r, AMS + "/er:provider") == "Megaport" and
          one(r, AMS + "/er:service-key") == "97f85950-01dd-4d30-a73c-bf683b3a6e5c",
          T + "merge: leaf set, list entry merged, its other leaves kept")
    expect_ok(edit(m, "<agent><poll-interval>112</poll-interval></agent>", target, defop="merge"),
              T + "default-operation merge")
    check(one(cfg(), "/er:expressroute/er:agent/er:poll-interval") == "112", T + "default-operation merge applied")

    # create: a new list entry, then the same again
    expect_ok(edit(m, '<circuit nc:operation="create"><name>er-tst</name><bandwidth>50</bandwidth></circuit>',
                   target), T + "create a new circuit")
    check(one(cfg(), "/er:expressroute/er:circuit[er:name='er-tst']/er:bandwidth") == "50",
          T + "create: new entry present")
    before = snapshot(m, target)
    expect_error(edit(m, '<circuit nc:operation="create"><name>er-tst</name><bandwidth>100</bandwidth></circuit>',
                      target), ["data-exists"], ["er-tst"], T + "create again")
    check(snapshot(m, target) == before, T + "create again: datastore unchanged")

    # replace: one list entry (children not given are gone), one container
    expect_ok(edit(m, '<circuit><name>er-ams-1</name><peering nc:operation="replace"><type>azure-private</type>'
                      '<vlan-id>101</vlan-id><customer-asn>65011</customer-asn><ipv4>'
                      '<primary-subnet>172.16.0.0/30</primary-subnet><secondary-subnet>172.16.0.4/30</secondary-subnet>'
                      '</ipv4></peering><sku nc:operation="replace"><tier>premium</tier></sku></circuit>', target),
              T + "replace a peering entry and the sku container")
    r = cfg()
    p = AMS + "/er:peering[er:type='azure-private']"
    check(one(r, p + "/er:vlan-id") == "101" and one(r, p + "/er:customer-asn") == "65011" and
          not vals(r, p + "/er:primary-interface") and not vals(r, p + "/er:bfd-expected"),
          T + "replace: peering holds exactly the new content (primary-interface, bfd-expected gone)")
    check(one(r, AMS + "/er:sku/er:tier") == "premium" and not vals(r, AMS + "/er:sku/er:family"),
          T + "replace: sku container replaced (family gone)")
    check(one(r, AMS + "/er:peering[er:type='microsoft']/er:vlan-id") == "300",
          T + "replace: the sibling peering untouched")

    # delete: existing leaf-list entry and list entry; then missing ones
    expect_ok(edit(m, '<circuit><name>er-ams-1</name><vnet-address-space nc:operation="delete">10.10.0.0/16'
                      '</vnet-address-space></circuit><circuit nc:operation="delete"><name>er-tst</name></circuit>',
                   target), T + "delete existing leaf-list entry and circuit")
    r = cfg()
    check(not vals(r, AMS + "/er:vnet-address-space") and
          not vals(r, "/er:expressroute/er:circuit[er:name='er-tst']"), T + "delete: both gone")
    before = snapshot(m, target)
    expect_error(edit(m, '<circuit nc:operation="delete"><name>er-nope</name></circuit>', target),
                 ["data-missing"], ["er-nope"], T + "delete a missing circuit")
    check(snapshot(m, target) == before, T + "delete missing: datastore unchanged")
    expect_ok(edit(m, '<circuit nc:operation="remove"><name>er-nope</name></circuit>'
                      '<agent><alert-hold-down nc:operation="remove"/></agent>', target),
              T + "remove missing: no error")
    r = cfg()
    check(not vals(r, "/er:expressroute/er:circuit[er:name='er-nope']") and
          not vals(r, "/er:expressroute/er:agent/er:alert-hold-down"),
          T + "remove: missing stays missing; existing alert-hold-down removed")
    expect_ok(edit(m, "<agent><alert-hold-down>0</alert-hold-down></agent>", target), T + "alert-hold-down back")

    # none: default-operation none with a nested merge
    expect_ok(edit(m, '<circuit><name>er-ams-1</name><bandwidth nc:operation="merge">2000</bandwidth>'
                      '<provider>Ignored</provider></circuit>', target, defop="none"),
              T + "default-operation none with a nested operation=merge")
    r = cfg()
    check(one(r, AMS + "/er:bandwidth") == "2000" and one(r, AMS + "/er:provider") == "Megaport",
          T + "none: only the merge below applied (provider untouched)")
    before = snapshot(m, target)
    expect_error(edit(m, "<circuit><name>er-nope</name><bandwidth>50</bandwidth></circuit>", target, defop="none"),
                 ["data-missing"], ["er-nope"], T + "default-operation none on missing data")
    check(snapshot(m, target) == before, T + "none on missing data: datastore unchanged")

    # default-operation replace: the whole datastore becomes the <config>
    full = etree.fromstring(c.orig_xml)
    full.find("{%s}agent/{%s}poll-interval" % (ER_NS, ER_NS)).text = "113"
    for circ in full.findall("{%s}circuit" % ER_NS):
        for v in circ.findall("{%s}vnet-address-space" % ER_NS):
            circ.remove(v)
    full.find("{%s}edge" % ER_NS).clear()
    inner = "".join(etree.tostring(ch, encoding="unicode") for ch in full)
    expect_ok(edit(m, inner, target, defop="replace"), T + "default-operation replace with a whole config")
    r = cfg()
    check(one(r, "/er:expressroute/er:agent/er:poll-interval") == "113" and
          one(r, AMS + "/er:provider") == "Equinix" and not vals(r, AMS + "/er:vnet-address-space") and
          not vals(r, "/er:expressroute/er:edge/er:internet-bgp-neighbor") and
          one(r, AMS + "/er:peering[er:type='azure-private']/er:primary-interface") == "eth1.100",
          T + "default-operation replace: exactly the given config (edge neighbour and VNet space gone)")

    if target == "candidate":
        check(snapshot(m, "running") == running_before, "[candidate] running untouched by every candidate edit")
        expect_ok(nclib.rpc(m, "<discard-changes/>"), "[candidate] discard-changes")
        check(snapshot(m, "candidate") == running_before, "[candidate] discard-changes: candidate = running again")


def restore(c, m):
    """running back to the original config (default-operation replace)."""
    inner = "".join(etree.tostring(ch, encoding="unicode") for ch in etree.fromstring(c.orig_xml))
    r = edit(m, inner, "running", defop="replace")
    good = ok_reply(r) and snapshot(m, "running") == c.orig_snap
    check(good, "running restored to the original config%s" % ("" if good else " (%s)" % short(r)))


# ---------------------------------------------------------------------------
# 2. test-option; semantically invalid commits

OVERLAP = ('<circuit><name>er-ams-1</name><peering><type>microsoft</type><ipv4>'
           '<primary-subnet>172.16.0.0/30</primary-subnet></ipv4></peering></circuit>')


def test_test_option(c, m):
    before = snapshot(m)
    expect_ok(edit(m, "<agent><poll-interval>222</poll-interval></agent>", testopt="test-only"),
              "test-only, valid edit: ok")
    check(snapshot(m) == before, "test-only, valid edit: running unchanged")
    expect_error(edit(m, "<agent><poll-interval>2</poll-interval></agent>", testopt="test-only"),
                 ["invalid-value"], ["poll-interval"], "test-only, out-of-range value still reported")
    expect_error(edit(m, OVERLAP, testopt="test-only"), ["operation-failed", "invalid-value"], ["overlaps"],
                 "test-only, overlapping link subnets (validation) still reported")
    check(snapshot(m) == before, "test-only with errors: running unchanged")
    expect_ok(edit(m, "<agent><poll-interval>223</poll-interval></agent>", "candidate", testopt="test-only"),
              "test-only on candidate: ok")
    check(snapshot(m, "candidate") == before, "test-only on candidate: candidate unchanged")

    expect_ok(edit(m, "<agent><poll-interval>224</poll-interval></agent>", testopt="test-then-set"),
              "test-then-set, valid edit")
    check(one(get_config(m), "/er:expressroute/er:agent/er:poll-interval") == "224", "test-then-set: applied")
    before = snapshot(m)
    expect_error(edit(m, OVERLAP, testopt="test-then-set"), ["operation-failed", "invalid-value"],
                 ["overlaps", "172.16.0.0/30"], "test-then-set, overlapping link subnets refused")
    check(snapshot(m) == before, "test-then-set refused: running unchanged")
    r = edit(m, OVERLAP, testopt="set")
    check(bool(nclib.errors(r)) and snapshot(m) == before,
          "set on running: an invalid result is still refused (running must stay valid), running unchanged")

    # set on candidate: no validation, so the candidate takes it; validate and commit refuse it
    expect_ok(edit(m, OVERLAP, "candidate", testopt="set"), "set on candidate: accepted without validation")
    check(one(get_config(m, "candidate"), AMS + "/er:peering[er:type='microsoft']/er:ipv4/er:primary-subnet") ==
          "172.16.0.0/30", "set on candidate: candidate holds the invalid change")
    expect_error(nclib.rpc(m, "<validate><source><candidate/></source></validate>"),
                 ["operation-failed", "invalid-value"], ["overlaps"], "validate candidate: refused")
    expect_error(nclib.rpc(m, "<commit/>"), ["operation-failed", "invalid-value"], ["overlaps", "172.16.0.0/30"],
                 "commit of a semantically invalid candidate: refused")
    check(snapshot(m) == before, "refused commit: running unchanged")
    expect_ok(nclib.rpc(m, "<discard-changes/>"), "discard-changes")
    expect_ok(edit(m, '<circuit><name>er-ams-1</name><peering><type>azure-public</type><customer-asn>65012'
                      '</customer-asn></peering></circuit>', "candidate", testopt="set"),
              "set on candidate: a peering without its mandatory vlan-id")
    expect_error(nclib.rpc(m, "<commit/>"), ["data-missing"], ["vlan-id"],
                 "commit with a mandatory leaf missing: refused")
    check(snapshot(m) == before, "refused commit: running unchanged")
    expect_ok(nclib.rpc(m, "<discard-changes/>"), "discard-changes")


# ---------------------------------------------------------------------------
# 3. error-option

# In document order: a valid change, an invalid one, a valid one, an invalid one.
MIXED = ("<agent><poll-interval>%s</poll-interval><alert-hold-down>99999</alert-hold-down>"
         "<bgp><frr-pathspace>ncedit</frr-pathspace></bgp><snmp><trap-rate>0</trap-rate></snmp></agent>")


def test_error_option(c, m):
    before = snapshot(m)
    for errop in (None, "stop-on-error"):
        r = edit(m, MIXED % "61", errop=errop)
        e = expect_error(r, ["invalid-value"], [], "%s: rpc-error" % (errop or "default error-option"))
        check(len(e) == 1, "%s: stops at the first error (%d error(s) reported)" % (errop or "default", len(e)))
        if e:
            info("%s: the error reported is %s; first in document order is alert-hold-down" %
                 (errop or "default", e[0].get("error-path")))
        after = get_config(m)
        check(one(after, "/er:expressroute/er:agent/er:bgp/er:frr-pathspace") is None,
              "%s: the valid change after the error is not applied" % (errop or "default"))
        info("%s: the valid change before the error (poll-interval 61) %s; RFC 6241 7.2 lets stop-on-error "
             "leave it, erreadyd %s" % (errop or "default", "was applied" if one(after, "/er:expressroute/er:agent/"
                                                                                "er:poll-interval") == "61"
                                        else "was not applied", "applies all or nothing"
                                        if snapshot(m) == before else "keeps what came before the error"))
    r = edit(m, MIXED % "62", errop="rollback-on-error")
    expect_error(r, ["invalid-value"], [], "rollback-on-error: rpc-error")
    check(snapshot(m) == before, "rollback-on-error: running byte-identical to before")

    r = edit(m, MIXED % "63", errop="continue-on-error")
    e = nclib.errors(r)
    names = " ".join(x.get("error-path", "") for x in e)
    check(len(e) == 2 and all(x.get("error-tag") == "invalid-value" for x in e) and
          "alert-hold-down" in names and "trap-rate" in names,
          "continue-on-error: both errors reported (%s)" % "; ".join("%s %s" % (x.get("error-tag"),
                                                                              x.get("error-path")) for x in e))
    r = get_config(m)
    check(one(r, "/er:expressroute/er:agent/er:poll-interval") == "63" and
          one(r, "/er:expressroute/er:agent/er:bgp/er:frr-pathspace") == "ncedit" and
          one(r, "/er:expressroute/er:agent/er:alert-hold-down") == "0",
          "continue-on-error: the valid parts applied, the invalid ones not")


# ---------------------------------------------------------------------------
# 4. bad input: each gets an rpc-error and leaves running unchanged

def test_bad_input(c, m, sock):
    cases = [
        ("unknown element", "<agent><poll-intervall>40</poll-intervall></agent>",
         ["unknown-element"], ["poll-intervall"]),
        ("element in a wrong namespace", '<agent><poll-interval xmlns="urn:example:bogus">40</poll-interval></agent>',
         ["unknown-namespace", "unknown-element"], ["urn:example:bogus"]),
        ("out-of-range value", "<agent><poll-interval>4</poll-interval></agent>",
         ["invalid-value"], ["poll-interval", "4"]),
        ("list entry without its key", "<circuit><bandwidth>50</bandwidth></circuit>",
         ["missing-element"], ["circuit", "name"]),
        ("wrong type", "<circuit><name>er-ams-1</name><maintenance>yes</maintenance></circuit>",
         ["invalid-value"], ["maintenance", "yes"]),
        ("bandwidth Azure does not offer", "<circuit><name>er-ams-1</name><bandwidth>300</bandwidth></circuit>",
         ["invalid-value"], ["bandwidth"]),
        # RFC 6241 appendix A: bad-attribute (erreadyd's message guard answers it before libnetconf2)
        ("bad operation attribute value on a container",
         '<agent nc:operation="frobnicate"><poll-interval>40</poll-interval></agent>',
         ["bad-attribute"], ["frobnicate", "operation", "agent"]),
        ("bad operation attribute value on a leaf",
         '<agent><poll-interval nc:operation="frobnicate">40</poll-interval></agent>',
         ["bad-attribute"], ["frobnicate", "operation", "poll-interval"]),
    ]
    for what, inner, tags, names in cases:
        before = snapshot(m)
        expect_error(edit(m, inner), tags, names, what)
        check(snapshot(m) == before, what + ": running unchanged")

    before = snapshot(m)
    body = ('<edit-config><target><running/></target><config><expressroute xmlns="%s"><agent>'
            '<poll-interval>99</poll-interval></agent></expressroute></config></edit-config>' % ER_NS)
    get_cfg = "<get-config><source><running/></source></get-config>"

    def answered(raw, what, tag, names=(), mid=None, timeout=5):
        """The next message is an rpc-error with error-tag tag naming names,
        echoing message-id mid (None: no message-id); returns it."""
        try:
            rep = raw.recv(timeout)
        except (TimeoutError, EOFError) as x:
            check(False, "%s: rpc-error %s (got no reply: %s)" % (what, tag, x))
            return None
        expect_error(rep, [tag], list(names), what)
        has = re.search(rb'<rpc-reply[^>]*message-id="([^"]*)"', rep)
        check((has.group(1).decode() if has else None) == mid,
              "%s: reply carries message-id %s (got %s)" % (what, mid, has.group(1) if has else None))
        return rep

    # base:1.0: malformed-message is base:1.1 only (RFC 6241 appendix A), so operation-failed
    raw = nclib.RawUnixNetconf(sock, timeout=5)
    raw.send('<rpc xmlns="%s" message-id="m1">%s' % (NC_NS, body[:-len("</config></edit-config>")]))
    answered(raw, "malformed XML (cut short, base:1.0)", "operation-failed", ["not well-formed", "ends before"], "m1")
    raw.send(b"<<<this is not XML")
    answered(raw, "not XML at all (base:1.0)", "operation-failed", ["not well-formed", "line 1"])
    raw.send('<rpc xmlns="%s" message-id="m1b"<get/></rpc>' % NC_NS)
    answered(raw, "unparseable <rpc> start tag (base:1.0)", "operation-failed", ["not well-formed"])
    raw.send('<rpc xmlns="%s" message-id="m1c"><get>&bogus;</get></rpc>' % NC_NS)
    answered(raw, "undefined entity (base:1.0)", "operation-failed", ["bogus"], "m1c")
    raw.send('<!DOCTYPE rpc [<!ENTITY x "y">]><rpc xmlns="%s" message-id="m1d"><get/></rpc>' % NC_NS)
    answered(raw, "DOCTYPE (base:1.0)", "operation-failed", ["document type"], "m1d")
    try:
        rep = raw.rpc(get_cfg, message_id="m2", timeout=5)
        check(b'message-id="m2"' in rep and not nclib.errors(rep), "raw session still answers after malformed input")
    except (TimeoutError, EOFError) as x:
        check(False, "raw session still answers after malformed input (%s)" % x)
    # the envelope itself
    raw.send('<rpc xmlns="urn:example:bogus" message-id="w1">%s</rpc>' % body)
    answered(raw, "<rpc> in a wrong namespace", "unknown-namespace", ["urn:example:bogus", "rpc"], "w1")
    raw.send('<rpc message-id="w2">%s</rpc>' % body)
    answered(raw, "<rpc> with no namespace", "unknown-namespace", ["rpc"], "w2")
    raw.send('<get-config xmlns="%s"><source><running/></source></get-config>' % NC_NS)
    answered(raw, "an operation without <rpc>", "unknown-element", ["get-config"])
    # faults in the operation itself, which libyang finds (libnetconf2 alone answers operation-failed)
    WD = "urn:ietf:params:xml:ns:yang:ietf-netconf-with-defaults"
    for mid, body, tag, names in [
            ("o1", "<frobnicate/>", "operation-not-supported", ["frobnicate"]),
            ("o2", '<frobnicate xmlns="urn:example:bogus"/>', "unknown-namespace", ["urn:example:bogus"]),
            ("o3", "<get-config><source><bogus/></source></get-config>", "unknown-element",
             ["bogus", "/ietf-netconf:get-config/source"]),
            ("o4", '<get><with-defaults xmlns="%s">sometimes</with-defaults></get>' % WD, "invalid-value",
             ["sometimes"]),
            ("o5", "<commit><confirmed/><confirm-timeout>soon</confirm-timeout></commit>", "invalid-value", ["soon"]),
            ("o6", "<get-config/>", "missing-element", ["source"]),
            ("o7", "<edit-config><config/></edit-config>", "missing-element", ["target"]),
            ("o8", "", "missing-element", ["operation"]),
            ("o9", "<get/><get/>", "unknown-element", ["get"])]:
        raw.send('<rpc xmlns="%s" message-id="%s">%s</rpc>' % (NC_NS, mid, body))
        answered(raw, "operation fault %s" % (body or "(none)"), tag, names, mid)
    # <rpc> without message-id (RFC 6241 4.1: mandatory; appendix A: missing-attribute), not executed
    raw.send('<rpc xmlns="%s">%s</rpc>' % (NC_NS, body))
    e = answered(raw, "rpc without message-id", "missing-attribute", ["message-id", "rpc"])
    if e:
        info0 = nclib.errors(e)[0].get("error-info", {})
        check(info0.get("bad-attribute") == "message-id" and info0.get("bad-element") == "rpc",
              "rpc without message-id: error-info bad-attribute message-id, bad-element rpc (got %s)" % info0)
    check(one(get_config(m), "/er:expressroute/er:agent/er:poll-interval") != "99",
          "rpc without message-id: the edit was not applied")
    # replies stay in request order when a rejected message sits between two good ones (RFC 6241 4.1)
    raw.send_raw(('<rpc xmlns="%s" message-id="p1">%s</rpc>]]>]]>'
                  '<rpc xmlns="%s">%s</rpc>]]>]]>'
                  '<rpc xmlns="%s" message-id="p3">%s</rpc>]]>]]>'
                  % (NC_NS, get_cfg, NC_NS, get_cfg, NC_NS, get_cfg)).encode())
    try:
        got = [raw.recv(5) for _ in range(3)]
        order = [("p1" if b'message-id="p1"' in r else "p3" if b'message-id="p3"' in r
                  else "error" if nclib.errors(r) else "?") for r in got]
        check(order == ["p1", "error", "p3"], "pipelined good, bad, good: replies in request order (got %s)" % order)
    except (TimeoutError, EOFError) as x:
        check(False, "pipelined good, bad, good: three replies (%s)" % x)
    # the rejected messages count as bad RPCs in ietf-netconf-monitoring
    st = m.get(filter=("subtree", '<netconf-state xmlns="urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring">'
                       '<sessions><session><session-id>%s</session-id></session></sessions></netconf-state>'
                       % raw.session_id)).data_ele
    bad = [x.text for x in st.iter() if x.tag.endswith("}in-bad-rpcs")]
    check(bad and int(bad[0]) >= 17, "netconf-state: the raw session's in-bad-rpcs counts what was rejected (got %s)"
          % bad)
    raw.close()
    # base:1.1: malformed-message
    raw = nclib.RawUnixNetconf(sock, timeout=5, base11=True)
    check(raw.base11, "raw base:1.1 session")
    raw.send(b"<<<this is not XML either")
    answered(raw, "not XML at all (base:1.1)", "malformed-message", ["not well-formed"])
    raw.send('<rpc xmlns="%s" message-id="m3a">%s' % (NC_NS, body))
    answered(raw, "malformed XML (cut short, base:1.1)", "malformed-message", ["ends before"], "m3a")
    try:
        rep = raw.rpc(get_cfg, message_id="m3", timeout=5)
        check(b'message-id="m3"' in rep and not nclib.errors(rep), "base:1.1 session still answers")
    except (TimeoutError, EOFError, ValueError) as x:
        check(False, "malformed XML (base:1.1): the session goes on (%s)" % x)
    # a broken chunk header cannot be framed past (RFC 6242 4.2): malformed-message, then the session ends
    raw.send_raw(b"\n#12x\n<rpc/>\n##\n")
    answered(raw, "invalid chunk header", "malformed-message", ["chunk"])
    check(raw.closed_by_peer(5), "invalid chunk header: the session is closed")
    raw.close()
    check(snapshot(m) == before, "malformed and rejected messages: running unchanged")

    m2 = nclib.connect_unix(sock)
    check(ok_reply(nclib.rpc(m2, "<discard-changes/>")), "daemon still serves a new session after bad input")
    nclib.close_quietly(m2)
    if snapshot(m) != before:
        restore(c, m)


# ---------------------------------------------------------------------------
# the write-only md5-key

def test_md5(c, m, cfgp):
    md5 = "<circuit><name>er-ams-1</name><peering><type>microsoft</type><md5-key>%s</md5-key></peering></circuit>"
    r = edit(m, md5 % ("bad!" + SECRET))
    expect_error(r, ["invalid-value"], ["md5-key"], "md5-key with a bad value")
    check(SECRET not in r.xml, "md5-key error does not echo the value")
    expect_ok(edit(m, md5 % SECRET), "md5-key written on running")
    expect_ok(nclib.rpc(m, "<copy-config><target><startup/></target><source><running/></source></copy-config>"),
              "copy-config running -> startup")
    saved = json.load(open(cfgp))["expressroute-readiness:expressroute"]["circuit"][0]["peering"]
    check(any(p.get("md5-key") == SECRET for p in saved), "md5-key stored (in the saved startup file)")
    check(stat.S_IMODE(os.stat(cfgp).st_mode) == 0o600, "startup file with the key has mode 0600")
    expect_ok(nclib.rpc(m, "<copy-config><target><candidate/></target><source><running/></source></copy-config>"),
              "copy-config running -> candidate")
    leaks = []
    for wd in (None, "report-all", "report-all-tagged", "trim", "explicit"):
        for name, r in [("get-config " + ds, get_config(m, ds, wd)) for ds in ("running", "candidate", "startup")] + \
                       [("get", get(m, wd))]:
            if nclib.errors(r) or data_of(r) is None:
                leaks.append("%s %s: %s" % (name, wd, short(r, 200)))
            elif SECRET in r.xml or "md5-key>" in r.xml:
                leaks.append("%s %s" % (name, wd))
    check(not leaks, "md5-key never read back by get/get-config (3 datastores x 5 with-defaults modes)%s"
          % (": " + ", ".join(leaks) if leaks else ""))
    f = '<expressroute xmlns="%s"><circuit><peering><md5-key>%s</md5-key></peering></circuit></expressroute>'
    a = data_of(get_config(m, flt=f % (ER_NS, SECRET)))
    b = data_of(get_config(m, flt=f % (ER_NS, "NotTheKey1")))
    check(a is not None and b is not None and etree.tostring(a) == etree.tostring(b) and SECRET not in
          etree.tostring(a).decode(), "a filter matching on md5-key tells nothing about its value")
    expect_ok(nclib.rpc(m, "<discard-changes/>"), "discard-changes")


# ---------------------------------------------------------------------------
# 5. with-defaults on get-config

def test_with_defaults(c, m):
    expect_ok(edit(m, "<agent><snmp><trap-rate>100</trap-rate></snmp></agent>"),
              "set snmp/trap-rate explicitly to its default (100)")
    AG = "/er:expressroute/er:agent"
    flt = '<expressroute xmlns="%s"><agent/></expressroute>' % ER_NS
    r = {wd: get_config(m, "running", wd, flt) for wd in ("report-all", "report-all-tagged", "trim", "explicit")}
    r[None] = get_config(m, "running", None, flt)

    ra = r["report-all"]
    check(one(ra, AG + "/er:bgp/er:bird-socket") == "/run/bird/bird.ctl" and
          one(ra, AG + "/er:netconf/er:max-sessions") == "64" and one(ra, AG + "/er:poll-interval") == "300",
          "report-all: unset default leaves reported (bird-socket, max-sessions) with the set ones")

    d = data_of(r["report-all-tagged"])
    bird = d.xpath("." + AG + "/er:bgp/er:bird-socket", namespaces=NSMAP) if d is not None else []
    poll_iv = d.xpath("." + AG + "/er:poll-interval", namespaces=NSMAP) if d is not None else []
    tagged = bird and any(etree.QName(k).localname == "default" and v == "true" for k, v in bird[0].attrib.items())
    check(bool(tagged), "report-all-tagged: an unset default leaf carries default=\"true\" (attributes %s)"
          % (dict(bird[0].attrib) if bird else "-"))
    check(bool(bird) and bird[0].get("{%s}default" % WD_ATTR_NS) == "true",
          "report-all-tagged: the default attribute is in RFC 6243's namespace %s (got %s)"
          % (WD_ATTR_NS, dict(bird[0].attrib) if bird else "-"))
    check(bool(poll_iv) and not any(etree.QName(k).localname == "default" for k in poll_iv[0].attrib),
          "report-all-tagged: a leaf with a non-default value is not tagged")
    tr = d.xpath("." + AG + "/er:snmp/er:trap-rate", namespaces=NSMAP) if d is not None else []
    info("report-all-tagged: trap-rate explicitly set to its default is %s" %
         ("tagged" if tr and any(etree.QName(k).localname == "default" for k in tr[0].attrib) else "not tagged"))

    t = r["trim"]
    check(one(t, AG + "/er:poll-interval") == "300" and not vals(t, AG + "/er:snmp/er:trap-rate") and
          not vals(t, AG + "/er:bgp/er:bird-socket") and not vals(t, AG + "/er:bgp/er:source"),
          "trim: leaves set to their default value (trap-rate 100, bgp/source auto) and unset defaults omitted")
    for wd in ("explicit", None):
        x = r[wd]
        check(one(x, AG + "/er:snmp/er:trap-rate") == "100" and one(x, AG + "/er:bgp/er:source") == "auto" and
              not vals(x, AG + "/er:bgp/er:bird-socket") and not vals(x, AG + "/er:netconf/er:max-sessions"),
              "%s: set leaves present even at their default value, unset defaults omitted"
              % (wd or "no with-defaults (basic-mode explicit)"))

    # a candidate edited with test-option set (not validated) still reports the defaults of what it created
    expect_ok(edit(m, "<circuit><name>er-wd</name><bandwidth>50</bandwidth></circuit>", "candidate", testopt="set"),
              "set on candidate: a new circuit")
    cf = '<expressroute xmlns="%s"><circuit><name>er-wd</name></circuit></expressroute>' % ER_NS
    W = "/er:expressroute/er:circuit[er:name='er-wd']"
    ra = get_config(m, "candidate", "report-all", cf)
    check(one(ra, W + "/er:maintenance") == "false" and one(ra, W + "/er:service-layer") == "layer-2",
          "report-all on an unvalidated candidate: the new circuit's defaults reported (%s)" % short(ra, 300))
    ex = get_config(m, "candidate", "explicit", cf)
    check(not vals(ex, W + "/er:maintenance") and one(ex, W + "/er:bandwidth") == "50",
          "explicit on that candidate: only what was set")
    expect_ok(nclib.rpc(m, "<discard-changes/>"), "discard-changes")


# ---------------------------------------------------------------------------
# 6. copy-config, delete-config

def test_copy_delete(c, m, cfgp):
    running = snapshot(m)
    expect_ok(edit(m, "<agent><poll-interval>333</poll-interval></agent>", "candidate"), "candidate edited")
    expect_ok(nclib.rpc(m, "<copy-config><target><candidate/></target><source><running/></source></copy-config>"),
              "copy-config running -> candidate")
    check(snapshot(m, "candidate") == running, "copy-config running -> candidate: candidate = running")

    expect_ok(edit(m, "<agent><poll-interval>334</poll-interval></agent>", "candidate"), "candidate edited")
    expect_ok(nclib.rpc(m, "<copy-config><target><running/></target><source><candidate/></source></copy-config>"),
              "copy-config candidate -> running (:writable-running)")
    check(one(get_config(m), "/er:expressroute/er:agent/er:poll-interval") == "334" and
          snapshot(m) == snapshot(m, "candidate"), "copy-config candidate -> running: running = candidate")

    full = etree.fromstring(c.orig_xml)
    full.find("{%s}agent/{%s}poll-interval" % (ER_NS, ER_NS)).text = "335"
    running = snapshot(m)
    expect_ok(nclib.rpc(m, "<copy-config><target><candidate/></target><source><config>%s</config></source>"
                           "</copy-config>" % etree.tostring(full, encoding="unicode")),
              "copy-config inline <config> -> candidate")
    r = get_config(m, "candidate")
    check(one(r, "/er:expressroute/er:agent/er:poll-interval") == "335" and one(r, AMS + "/er:bandwidth") == "1000",
          "copy-config inline -> candidate: candidate = the inline config")
    check(snapshot(m) == running, "copy-config inline -> candidate: running unchanged")
    bad = copy.deepcopy(full)
    bad.find("{%s}agent/{%s}poll-interval" % (ER_NS, ER_NS)).text = "3"
    cand = snapshot(m, "candidate")
    expect_error(nclib.rpc(m, "<copy-config><target><candidate/></target><source><config>%s</config></source>"
                              "</copy-config>" % etree.tostring(bad, encoding="unicode")),
                 ["invalid-value", "operation-failed"], ["poll-interval"], "copy-config of an invalid inline config")
    check(snapshot(m, "candidate") == cand, "invalid inline config: candidate unchanged")

    expect_ok(nclib.rpc(m, "<copy-config><target><startup/></target><source><running/></source></copy-config>"),
              "copy-config running -> startup")
    expect_ok(nclib.rpc(m, "<copy-config><target><candidate/></target><source><startup/></source></copy-config>"),
              "copy-config startup -> candidate")
    check(snapshot(m, "candidate") == snapshot(m, "startup") and one(get_config(m, "candidate"), "/er:expressroute/"
                                                                     "er:agent/er:poll-interval") == "334",
          "copy-config startup -> candidate: candidate = startup")
    expect_ok(nclib.rpc(m, "<discard-changes/>"), "discard-changes")

    saved = open(cfgp, "rb").read()
    expect_ok(nclib.rpc(m, "<delete-config><target><startup/></target></delete-config>"), "delete-config startup")
    if os.path.exists(cfgp):
        content = open(cfgp).read()
        try:
            empty = json.loads(content) == {}
        except ValueError:
            empty = False
        check(empty or not content.strip(), "delete-config startup: the startup file is empty (%r)" % content[:80])
        info("delete-config startup leaves the file in place holding %r" % content[:40])
    else:
        info("delete-config startup removed the startup file")
    r = get_config(m, "startup")
    check(not nclib.errors(r) and data_of(r) is not None and len(data_of(r)) == 0,
          "delete-config startup: get-config startup is empty (%s)" % short(r, 200))
    expect_ok(nclib.rpc(m, "<copy-config><target><startup/></target><source><running/></source></copy-config>"),
              "startup restored with copy-config running -> startup")
    check(os.path.exists(cfgp) and json.load(open(cfgp))["expressroute-readiness:expressroute"]["circuit"][0]["name"]
          == "er-ams-1" and snapshot(m, "startup") == snapshot(m), "startup file back, = running")
    info("startup file %s the one before delete-config" % ("byte-identical to" if open(cfgp, "rb").read() == saved
                                                           else "differs from"))

    running = snapshot(m)
    for ds in ("running", "candidate"):
        r = nclib.rpc(m, "<delete-config><target><%s/></target></delete-config>" % ds)
        e = nclib.errors(r)
        check(bool(e), "delete-config %s: rpc-error (RFC 6241 7.4)" % ds)
        if e:
            info("delete-config %s: error-tag %s, message %r" % (ds, e[0].get("error-tag"), e[0].get("error-message")))
        check(snapshot(m) == running, "delete-config %s refused: running unchanged" % ds)


# ---------------------------------------------------------------------------
# 7. UNIX socket permissions

CHILD = r'''
import errno, json, socket, sys
sys.path.insert(0, sys.argv[2])
out = {}
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect(sys.argv[1])
    out["connect"] = "ok"
except OSError as e:
    out["connect"] = errno.errorcode.get(e.errno, str(e.errno))
s.close()
if out["connect"] == "ok" and len(sys.argv) > 3:
    import nclib
    try:
        m = nclib.connect_unix(sys.argv[1], timeout=5)
        out["session"] = m.session_id
        r = nclib.rpc(m, "<get-config><source><running/></source></get-config>")
        out["get-config"] = "error" if nclib.errors(r) else "data"
        r = nclib.rpc(m, '<edit-config><target><running/></target><config><expressroute xmlns="%s"><agent>'
                         '<poll-interval>%s</poll-interval></agent></expressroute></config></edit-config>'
                      % (nclib.ERR_NS, sys.argv[3]))
        e = nclib.errors(r)
        out["edit-config"] = e[0].get("error-tag") if e else "ok"
        nclib.close_quietly(m)
    except Exception as x:
        out["session-error"] = repr(x)
print(json.dumps(out))
'''


def as_user(c, uid, gid, sock, edit_value=None):
    args = ["setpriv", "--reuid=%d" % uid, "--regid=%d" % gid, "--clear-groups", "/usr/bin/python3",
            c.child, sock, c.pub] + ([str(edit_value)] if edit_value else [])
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30,
                       env={"PATH": "/usr/bin:/bin", "HOME": "/"})
    try:
        return json.loads(p.stdout.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"connect": "child failed: " + p.stdout.decode()[-300:]}


def test_unix_perms(c, m, sock, erreadyd):
    if os.geteuid() != 0 or not shutil.which("setpriv") or not c.group:
        info("UNIX socket permissions: skipped (needs root, setpriv and a group with gid %d)" % NOBODY)
        return
    st = os.stat(sock)
    check(stat.S_IMODE(st.st_mode) == 0o660 and st.st_gid == c.gid and st.st_uid == 0,
          "socket mode 0660, group %s, owner root (%o %d:%d)" % (c.group, stat.S_IMODE(st.st_mode), st.st_uid,
                                                                 st.st_gid))
    r = as_user(c, NOBODY, c.gid, sock, 4321)
    check(r.get("connect") == "ok", "uid %d in group %s: connect allowed (%s)" % (NOBODY, c.group, r))
    info("uid %d (no NETCONF user configured): session %s, get-config %s, edit-config %s" % (
        NOBODY, r.get("session"), r.get("get-config"), r.get("edit-config") or r.get("session-error")))
    if one(get_config(m), "/er:expressroute/er:agent/er:poll-interval") == "4321":
        info("the edit-config of uid %d was applied: the socket's mode and group are the only access control"
             % NOBODY)
        expect_ok(edit(m, "<agent><poll-interval>300</poll-interval></agent>"), "poll-interval put back")
    r = as_user(c, NOBODY, c.other_gid, sock)
    check(r.get("connect") == "EACCES", "uid %d, gid %d (not the socket's group): connect refused with EACCES (%s)"
          % (NOBODY, c.other_gid, r))

    # a second erreadyd whose socket is 0600
    cfg = json.loads(json.dumps(c.cfg))
    sock2 = os.path.join(c.pub, "nc600.sock")
    cfg["expressroute-readiness:expressroute"]["agent"]["netconf"]["unix-socket"] = {"path": sock2, "mode": "0600"}
    cfgp2 = os.path.join(c.dir, "erready-600.json")
    json.dump(cfg, open(cfgp2, "w"), indent=1)
    log = open(os.path.join(c.dir, "erreadyd-600.log"), "w")
    agent = subprocess.Popen([erreadyd, "-c", cfgp2, "--observed", c.obsp, "--state-dir",
                              os.path.join(c.dir, "state-600")], stdout=log, stderr=subprocess.STDOUT)
    try:
        check(poll(lambda: os.path.exists(sock2), 10), "second erreadyd (socket mode 0600) up")
        st = os.stat(sock2)
        check(stat.S_IMODE(st.st_mode) == 0o600 and st.st_uid == 0, "socket mode 0600, owner root")
        r = as_user(c, NOBODY, NOBODY, sock2)
        check(r.get("connect") == "EACCES", "uid %d on a 0600 root socket: connect refused with EACCES (%s)"
              % (NOBODY, r))
        m2 = nclib.connect_unix(sock2)
        check(one(get_config(m2), "/er:expressroute/er:agent/er:poll-interval") == "300",
              "root still connects to the 0600 socket")
        nclib.close_quietly(m2)
    finally:
        rc = nclib.stop(agent, 10)
        log.close()
        check(rc == 0, "second erreadyd stops cleanly (exit %s)" % rc)


# ---------------------------------------------------------------------------

def main():
    erreadyd = os.path.abspath(sys.argv[1])
    t0 = time.monotonic()
    c = Ctx()
    c.dir = d = tempfile.mkdtemp(prefix="erready-ncedit-")
    agent = None
    m = None
    try:
        # the socket lives in a directory uid 65534 can reach; everything else stays private
        os.chmod(d, 0o711)
        c.pub = os.path.join(d, "pub")
        os.mkdir(c.pub)
        os.chmod(c.pub, 0o755)
        for lib in ("nclib.py", "testlib.py"):
            shutil.copy(os.path.join(HERE, lib), c.pub)
        c.child = os.path.join(c.pub, "child.py")
        with open(c.child, "w") as f:
            f.write(CHILD)
        for p in (c.child, os.path.join(c.pub, "nclib.py"), os.path.join(c.pub, "testlib.py")):
            os.chmod(p, 0o644)
        try:
            c.group = grp.getgrgid(NOBODY).gr_name
        except KeyError:
            c.group = None
        c.gid = NOBODY
        c.other_gid = 54321
        while True:
            try:
                grp.getgrgid(c.other_gid)
                c.other_gid += 1
            except KeyError:
                break

        sock = os.path.join(c.pub, "nc.sock")
        cfgp = os.path.join(d, "erready.json")
        c.obsp = os.path.join(d, "observed.json")
        shutil.copy(os.path.join(SRC, "tests/data/observed-healthy.json"), c.obsp)
        cfg = json.load(open(os.path.join(SRC, "examples/erready.json")))
        us = {"path": sock, "mode": "0660"}
        if c.group:
            us["group"] = c.group
        cfg["expressroute-readiness:expressroute"]["agent"].update({
            "poll-interval": 300, "alert-hold-down": 0, "snmp": {"enabled": False},
            "netconf": {"ssh": {"enabled": False}, "unix-socket": us}})
        c.cfg = cfg
        json.dump(cfg, open(cfgp, "w"), indent=1)
        log = open(os.path.join(d, "erreadyd.log"), "w")
        agent = subprocess.Popen([erreadyd, "-c", cfgp, "--observed", c.obsp, "--state-dir",
                                  os.path.join(d, "state")], stdout=log, stderr=subprocess.STDOUT)
        check(poll(lambda: os.path.exists(sock), 10), "UNIX socket appears")
        nclib.set_tick(0.005)
        m = nclib.connect_unix(sock)

        r = get_config(m, "running", "explicit")
        c.orig_xml = etree.tostring(data_of(r).find("{%s}expressroute" % ER_NS))
        c.orig_snap = snapshot(m)
        check(c.orig_snap is not None and b"er-ams-1" in c.orig_snap, "get-config running")
        check(snapshot(m, "candidate") == c.orig_snap, "candidate starts equal to running")

        sections = [
            ("operations on running", lambda: test_operations(c, m, "running")),
            ("restore", lambda: restore(c, m)),
            ("operations on candidate", lambda: test_operations(c, m, "candidate")),
            ("test-option", lambda: test_test_option(c, m)),
            ("error-option", lambda: test_error_option(c, m)),
            ("restore", lambda: restore(c, m)),
            ("bad input", lambda: test_bad_input(c, m, sock)),
            ("md5-key", lambda: test_md5(c, m, cfgp)),
            ("restore", lambda: restore(c, m)),
            ("with-defaults", lambda: test_with_defaults(c, m)),
            ("restore", lambda: restore(c, m)),
            ("copy-config and delete-config", lambda: test_copy_delete(c, m, cfgp)),
            ("restore", lambda: restore(c, m)),
            ("UNIX socket permissions", lambda: test_unix_perms(c, m, sock, erreadyd)),
        ]
        for name, fn in sections:
            try:
                fn()
            except Exception as x:
                check(False, "%s: %s: %s" % (name, type(x).__name__, x))
            if agent.poll() is not None:
                check(False, "erreadyd died during %s (exit %s)" % (name, agent.returncode))
                break
        else:
            check(True, "erreadyd still running after all of it")
    finally:
        if m is not None:
            nclib.close_quietly(m)
        if agent:
            rc = nclib.stop(agent, 10)
            check(rc == 0, "erreadyd stops cleanly (exit %s)" % rc)
        logp = os.path.join(d, "erreadyd.log")
        nclib.log_tail_on_failure(logp, 20000)
        shutil.rmtree(d, ignore_errors=True)
    return nclib.summary(t0)


if __name__ == "__main__":
    sys.exit(main())
