"""tests/integration/testlib.py - bookkeeping shared by the integration
tests (NETCONF through nclib, SNMP directly): ok/FAIL lines and their
count, free loopback ports, bounded polls, stopping what a test started.
No dependency beyond the standard library."""
import os
import signal
import socket
import subprocess
import sys
import time

_failures = []

# erreadyd started as root switches to the user erready (privilege
# separation); the tests and benchmarks keep their files in root-only
# temporary directories, so by default it stays uid 0 there and only splits
# and trims capabilities (--user root). privsep_lab.py runs the switch.
os.environ.setdefault("ERREADYD_USER", "root")


def check(cond, what):
    """Print "ok   what" or "FAIL what"; count the failures. Returns cond."""
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        _failures.append(what)
    return cond


def info(what):
    print("info " + what, flush=True)


def failures():
    return len(_failures)


def _free_port(kind):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def free_tcp_port():
    return _free_port(socket.SOCK_STREAM)


def free_udp_port():
    return _free_port(socket.SOCK_DGRAM)


def poll(fn, timeout, step=0.05):
    """fn() until it is true or timeout seconds have passed; its last value."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r = fn()
        if r:
            return r
        time.sleep(step)
    return fn()


def stop(proc, timeout=10):
    """SIGTERM to a process we started, SIGKILL after timeout; its exit status."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def try_(fn):
    """fn(), or None if it raised."""
    try:
        return fn()
    except Exception:
        return None


def log_tail_on_failure(path, chars=20000):
    """After a failure, the end of a daemon's log, for the CI output."""
    if failures() and os.path.exists(path):
        sys.stdout.write(open(path, errors="replace").read()[-chars:])


def summary(t0=None):
    """The last line of a test ("N failure(s)[, T s]"); its exit status."""
    print("%d failure(s)%s" % (failures(), "" if t0 is None else ", %.1f s" % (time.monotonic() - t0)))
    return 1 if failures() else 0
