#!/usr/bin/python3
"""Integration test: NETCONF behind OpenSSH (sshd_config "Subsystem netconf
erreadyd --netconf-relay SOCKET").

Runs a private sshd (Debian's openssh-server, /usr/sbin/sshd) on a free
loopback port with its own host key, authorized_keys and config in a
temporary directory, and erreadyd on a host-state snapshot (--observed) with
its own SSH endpoint off and its UNIX socket in the same directory. ncclient
logs in to the sshd as root; sshd runs the relay as root; erreadyd sees the
session user root by SO_PEERCRED.  Also prints the relay's start time and a
large get-config's throughput through the relay and on the socket directly.
Needs root (sshd logs in as root).  Usage: netconf_subsystem.py ERREADYD
"""
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import nclib  # noqa: E402  (also installs the ncclient#524 hello fix)
from nclib import check, info, free_tcp_port, poll, try_ as _try  # noqa: E402
import paramiko  # noqa: E402
from ncclient import manager  # noqa: E402

SSHD = "/usr/sbin/sshd"
ER_NS = "urn:erready:params:xml:ns:yang:expressroute-readiness"
NC_NS = "urn:ietf:params:xml:ns:netconf:base:1.0"
EOM = b"]]>]]>"
CLIENT_HELLO = ('<hello xmlns="%s"><capabilities><capability>urn:ietf:params:netconf:base:1.0</capability>'
                '<capability>urn:ietf:params:netconf:base:1.1</capability></capabilities></hello>'
                % NC_NS).encode() + EOM
GET_CONFIG = ('<rpc xmlns="%s" message-id="1"><get-config><source><running/></source></get-config></rpc>'
              % NC_NS).encode()


# --------------------------------------------------------------------------
# Processes.

def relay_pids(sock):
    """Live processes running erreadyd --netconf-relay SOCK (not zombies)."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if b"--netconf-relay" in argv and sock.encode() in argv:
            out.append(int(pid))
    return out


def _status(pid, field):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return line.split()[1]
    except OSError:
        return None
    return None


def ancestors(pid):
    chain = []
    while pid > 1:
        ppid = _status(pid, "PPid")
        if ppid is None:
            break
        pid = int(ppid)
        chain.append(pid)
    return chain


def tcp_listeners(pid):
    """TCP sockets in LISTEN state open in process pid ("addr:port" hex)."""
    inodes = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            t = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if t.startswith("socket:["):
            inodes.add(t[8:-1])
    out = []
    for tbl in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(tbl) as f:
            next(f)
            for line in f:
                col = line.split()
                if col[3] == "0A" and col[9] in inodes:
                    out.append(col[1])
    return out


# --------------------------------------------------------------------------
# A byte-level NETCONF client over anything with sendall/recv/settimeout
# (a socket or a paramiko channel); buffers in a bytearray so a reply of
# megabytes costs no quadratic copying.

class Raw(object):
    def __init__(self, ch, timeout=60):
        self.ch = ch
        self.buf = bytearray()
        ch.settimeout(timeout)

    def _more(self):
        data = self.ch.recv(1 << 20)
        if not data:
            raise EOFError("closed by the peer")
        self.buf += data

    def read_eom(self):
        start = 0
        while True:
            i = self.buf.find(EOM, start)
            if i >= 0:
                msg = bytes(self.buf[:i])
                del self.buf[:i + len(EOM)]
                return msg
            start = max(0, len(self.buf) - len(EOM))
            self._more()

    def hello(self):
        """Server hello in, base:1.1 hello out: chunked framing from now on."""
        h = self.read_eom()
        self.ch.sendall(CLIENT_HELLO)
        return h

    def send(self, msg):
        self.ch.sendall(b"\n#%d\n%s\n##\n" % (len(msg), msg))

    def read_chunked(self):
        parts, pos, buf = [], 0, self.buf
        while True:
            if len(buf) - pos < 4:
                self._more()
                continue
            if buf[pos:pos + 4] == b"\n##\n":
                del buf[:pos + 4]
                return b"".join(parts)
            if buf[pos:pos + 2] != b"\n#":
                raise ValueError("bad chunk header %r" % bytes(buf[pos:pos + 16]))
            nl = buf.find(b"\n", pos + 2, pos + 14)
            if nl < 0:
                self._more()
                continue
            size = int(buf[pos + 2:nl])
            if len(buf) < nl + 1 + size:
                self._more()
                continue
            parts.append(bytes(buf[nl + 1:nl + 1 + size]))
            pos = nl + 1 + size

    def read_to_eof(self):
        try:
            while True:
                self._more()
        except EOFError:
            pass
        return bytes(self.buf)


def timed_get_config(raw):
    t0 = time.perf_counter()
    raw.send(GET_CONFIG)
    reply = raw.read_chunked()
    return reply, time.perf_counter() - t0


# --------------------------------------------------------------------------
# SSH helpers (paramiko: ncclient's own SSH library, for exit statuses).

def ssh_subsystem(port, key, name="netconf"):
    c = paramiko.SSHClient()
    c.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    c.connect("127.0.0.1", port=port, username="root", key_filename=key, allow_agent=False,
              look_for_keys=False, timeout=10)
    ch = c.get_transport().open_session()
    ch.invoke_subsystem(name)
    return c, ch


def exit_status(ch, timeout):
    end = time.time() + timeout
    while time.time() < end and not ch.exit_status_ready():
        time.sleep(0.02)
    return ch.recv_exit_status() if ch.exit_status_ready() else None


def relay_session(erreadyd, sock, stdin, stdout):
    return subprocess.Popen([erreadyd, "--netconf-relay", sock], stdin=stdin, stdout=stdout,
                            stderr=subprocess.PIPE)


def large_users(n_users, key_len):
    """edit-config payload: n_users NETCONF users with two long (fake) keys each."""
    users = []
    for i in range(n_users):
        keys = "".join("<authorized-key>ssh-ed25519 %s%04d%d test</authorized-key>" %
                       ("A" * key_len, i, k) for k in range(2))
        users.append("<user><name>bulk%04d</name>%s</user>" % (i, keys))
    return ('<config xmlns="%s"><expressroute xmlns="%s"><agent><netconf>%s</netconf></agent></expressroute>'
            '</config>' % (NC_NS, ER_NS, "".join(users)))


def main():
    erreadyd = os.path.abspath(sys.argv[1])
    if os.geteuid() != 0 or not os.access(SSHD, os.X_OK):
        check(False, "needs root and %s (openssh-server, see scripts/deps)" % SSHD)
        return 1
    d = tempfile.mkdtemp(prefix="erready-ncsub-")
    agent = sshd = None
    managers, clients = [], []
    sock = os.path.join(d, "nc.sock")
    try:
        # sshd's privilege separation directory: a host path, created only when absent and left.
        if not os.path.isdir("/run/sshd"):
            os.makedirs("/run/sshd", 0o755)
        key, hostkey = os.path.join(d, "id_ed25519"), os.path.join(d, "ssh_host_ed25519_key")
        for k in (key, hostkey):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", k], check=True)
        shutil.copy(key + ".pub", os.path.join(d, "authorized_keys"))
        relay_err = os.path.join(d, "relay.err")
        port = free_tcp_port()
        sshd_cfg = os.path.join(d, "sshd_config")
        with open(sshd_cfg, "w") as f:
            f.write("\n".join([
                "ListenAddress 127.0.0.1:%d" % port,
                "HostKey " + hostkey,
                "PidFile none",
                "UsePAM no",
                "StrictModes no",
                "AuthorizedKeysFile " + os.path.join(d, "authorized_keys"),
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password",
                "AllowUsers root",
                "LogLevel VERBOSE",
                # The line of README's "Behind OpenSSH".
                "Subsystem netconf %s --netconf-relay %s" % (erreadyd, sock),
                # The same with the relay's stderr kept (sshd discards a subsystem's stderr).
                "Subsystem netconf-stderr %s --netconf-relay %s 2>>%s" % (erreadyd, sock, relay_err),
                ""]))
        t = subprocess.run([SSHD, "-t", "-f", sshd_cfg], stderr=subprocess.PIPE, text=True)
        check(t.returncode == 0, "sshd -t accepts the config %s" % t.stderr.strip())
        sshd_log = os.path.join(d, "sshd.log")
        sshd = subprocess.Popen([SSHD, "-D", "-e", "-f", sshd_cfg], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=open(sshd_log, "w"))
        check(poll(lambda: _try(lambda: socket.create_connection(("127.0.0.1", port), 1).close() or True), 10),
              "private sshd listens on 127.0.0.1:%d" % port)

        # erreadyd not running yet: a clean failure.
        c, ch = ssh_subsystem(port, key)
        clients.append(c)
        t0 = time.time()
        st = exit_status(ch, 10)
        out = Raw(ch, 5).read_to_eof()
        check(st == 1 and out == b"", "no erreadyd: relay exits 1 at once, nothing on stdout (status %s, %.2f s)"
              % (st, time.time() - t0))
        c.close()
        c, ch = ssh_subsystem(port, key, "netconf-stderr")
        clients.append(c)
        st = exit_status(ch, 10)
        msg = poll(lambda: os.path.exists(relay_err) and open(relay_err).read(), 5)
        want = "erreadyd --netconf-relay: cannot connect to %s: No such file or directory\n" % sock
        check(st == 1 and msg == want, "relay's message: %r" % (msg,))
        c.close()
        t0 = time.time()
        try:
            manager.connect(host="127.0.0.1", port=port, username="root", key_filename=key, hostkey_verify=False,
                            allow_agent=False, look_for_keys=False, timeout=10)
            err = None
        except Exception as e:
            err = e
        check(err is not None and time.time() - t0 < 8, "ncclient fails at once (%s in %.2f s)"
              % (type(err).__name__, time.time() - t0))
        check(poll(lambda: not relay_pids(sock), 5), "no relay process left")

        # erreadyd on a snapshot: UNIX socket only.
        cfgp, obsp = os.path.join(d, "erready.json"), os.path.join(d, "observed.json")
        shutil.copy(os.path.join(SRC, "tests/data/observed-healthy.json"), obsp)
        cfg = json.load(open(os.path.join(SRC, "examples/erready.json")))
        cfg["expressroute-readiness:expressroute"]["agent"].update({
            "poll-interval": 300, "alert-hold-down": 0, "snmp": {"enabled": False},
            "netconf": {"ssh": {"enabled": False}, "unix-socket": {"path": sock, "mode": "0600"}}})
        json.dump(cfg, open(cfgp, "w"), indent=1)
        log = open(os.path.join(d, "erreadyd.log"), "w")
        agent = subprocess.Popen([erreadyd, "-c", cfgp, "--observed", obsp, "--state-dir", os.path.join(d, "state")],
                                 stdout=log, stderr=subprocess.STDOUT)
        check(poll(lambda: os.path.exists(sock), 10), "erreadyd's UNIX socket appears")
        check(tcp_listeners(agent.pid) == [], "erreadyd listens on no TCP port (ssh/enabled false)")

        # ncclient through sshd and the relay, default device_params.
        t0 = time.perf_counter()
        m = manager.connect(host="127.0.0.1", port=port, username="root", key_filename=key, hostkey_verify=False,
                            allow_agent=False, look_for_keys=False, timeout=10)
        managers.append(m)
        info("ncclient connect through sshd and the relay: %.0f ms" % ((time.perf_counter() - t0) * 1000))
        caps = set(m.server_capabilities)
        for c_ in ("urn:ietf:params:netconf:base:1.0", "urn:ietf:params:netconf:base:1.1",
                   "urn:ietf:params:netconf:capability:candidate:1.0",
                   "urn:ietf:params:netconf:capability:notification:1.0"):
            check(c_ in caps, "capability " + c_.split(":")[-2])
        check(str(m.session_id).isdigit(), "session-id %s in erreadyd's hello" % m.session_id)
        pids = relay_pids(sock)
        check(len(pids) == 1, "one relay process for the session (%s)" % pids)
        if pids:
            check(_status(pids[0], "Uid").split()[0] == "0" if _status(pids[0], "Uid") else False,
                  "relay runs as the logged-in user (uid 0)")
            check(sshd.pid in ancestors(pids[0]), "relay is a descendant of the private sshd")
        r = m.get_config("running")
        check("er-ams-1" in r.xml and "md5-key" not in r.xml, "get-config running through the relay")
        edit = ('<config xmlns="%s"><expressroute xmlns="%s"><agent><poll-interval>%s</poll-interval></agent>'
                '</expressroute></config>')
        m.edit_config(target="running", config=edit % (NC_NS, ER_NS, "120"))
        r = m.get_config("running", filter=("subtree", '<expressroute xmlns="%s"><agent><poll-interval/></agent>'
                                            '</expressroute>' % ER_NS))
        check("<poll-interval>120</poll-interval>" in r.xml, "edit-config through the relay")
        r = nclib.rpc(m, '<edit-config><target><running/></target>' + edit % (NC_NS, ER_NS, "1") + '</edit-config>')
        e = nclib.errors(r)
        check(e and e[0].get("error-tag") == "invalid-value", "rpc-error through the relay: invalid-value")
        r = m.get(filter=("subtree", '<netconf-state xmlns="urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring">'
                                     '<sessions/></netconf-state>'))
        mine = [s for s in _sessions(r.xml) if s.get("session-id") == str(m.session_id)]
        check(len(mine) == 1 and mine[0].get("username") == "root",
              "netconf-state: session %s has username root (%s)" % (m.session_id, mine))
        m.close_session()
        check(poll(lambda: not relay_pids(sock), 5), "close-session ends the relay process")
        check(poll(lambda: not m.connected, 5), "ncclient sees the session closed")
        check("Starting session: subsystem 'netconf' for root" in open(sshd_log).read(),
              "sshd logged the netconf subsystem for root")

        # Half-close: EOF from the client after a request; the reply still arrives, exit 0.
        c, ch = ssh_subsystem(port, key)
        clients.append(c)
        raw = Raw(ch, 10)
        raw.hello()
        raw.send(GET_CONFIG)
        ch.shutdown_write()
        rest = raw.read_to_eof()
        st = exit_status(ch, 10)
        check(b"er-ams-1" in rest and rest.endswith(b"\n##\n"), "reply after the client's EOF arrives whole")
        check(st == 0, "relay exits 0 after the client's EOF (status %s)" % st)
        c.close()

        # The client vanishes without close-session: relay and session end.
        c, ch = ssh_subsystem(port, key)
        raw = Raw(ch, 10)
        sid = _session_id(raw.hello())
        check(poll(lambda: len(relay_pids(sock)) == 1, 5), "relay up for a raw session %s" % sid)
        c.close()
        check(poll(lambda: not relay_pids(sock), 5), "dropped SSH connection ends the relay")
        u = nclib.connect_unix(sock)
        managers.append(u)
        gone = poll(lambda: not [s for s in _sessions(u.get(filter=(
            "subtree", '<netconf-state xmlns="urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring"><sessions/>'
            '</netconf-state>')).xml) if s.get("session-id") == sid], 5, 0.1)
        check(gone, "erreadyd ended session %s" % sid)

        # Relay on pipes, no sshd: stdin EOF after the hello, exit 0.
        p = relay_session(erreadyd, sock, subprocess.PIPE, subprocess.PIPE)
        out, err = p.communicate(CLIENT_HELLO, timeout=10)
        check(p.returncode == 0 and out.startswith(b"<hello") and out.endswith(EOM) and not err,
              "relay on pipes: hello, EOF, exit 0 (%s, %r)" % (p.returncode, err[:200]))

        # ---- figures --------------------------------------------------------
        n = 21
        absent = os.path.join(d, "absent.sock")
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            subprocess.run([erreadyd, "--netconf-relay", absent], stderr=subprocess.DEVNULL)
            times.append(time.perf_counter() - t0)
        base = []
        for _ in range(n):
            t0 = time.perf_counter()
            subprocess.run(["/bin/true"])
            base.append(time.perf_counter() - t0)
        info("relay process start to exit (no socket): median %.1f ms (/bin/true %.1f ms)"
             % (statistics.median(times) * 1000, statistics.median(base) * 1000))
        hello_relay, hello_direct = [], []
        for _ in range(n):
            a, b = socket.socketpair()
            t0 = time.perf_counter()
            p = relay_session(erreadyd, sock, b, b)
            b.close()
            raw = Raw(a, 10)
            raw.hello()
            hello_relay.append(time.perf_counter() - t0)
            a.shutdown(socket.SHUT_WR)
            raw.read_to_eof()
            a.close()
            p.wait(10)
            s = socket.socket(socket.AF_UNIX)
            t0 = time.perf_counter()
            s.connect(sock)
            raw = Raw(s, 10)
            raw.hello()
            hello_direct.append(time.perf_counter() - t0)
            s.close()
        check(statistics.median(hello_relay) < 1.0, "relay start to erreadyd's hello: median %.1f ms (direct "
              "connect to hello %.1f ms)" % (statistics.median(hello_relay) * 1000,
                                             statistics.median(hello_direct) * 1000))

        # A large running config: 1000 users with two 4 KB keys each.
        t0 = time.perf_counter()
        u.edit_config(target="running", config=large_users(1000, 4000))
        info("edit-config of the bulk users: %.2f s" % (time.perf_counter() - t0))
        results = {}
        a, b = socket.socketpair()
        p = relay_session(erreadyd, sock, b, b)
        b.close()
        s = socket.socket(socket.AF_UNIX)
        s.connect(sock)
        c, ch = ssh_subsystem(port, key)
        clients.append(c)
        for name, conn in (("UNIX socket directly", s), ("relay on a socketpair", a), ("sshd + relay (paramiko)", ch)):
            raw = Raw(conn, 120)
            raw.hello()
            best = None
            for _ in range(3):
                reply, secs = timed_get_config(raw)
                best = secs if best is None else min(best, secs)
            results[name] = reply
            info("get-config %.1f MB via %s: best of 3 %.3f s = %.1f MB/s"
                 % (len(reply) / 1e6, name, best, len(reply) / 1e6 / best))
        check(len(results["UNIX socket directly"]) > 8_000_000 and
              len(set(results.values())) == 1, "large get-config is byte-identical on all three paths")
        a.shutdown(socket.SHUT_WR)
        Raw(a, 10).read_to_eof()
        a.close()
        check(p.wait(10) == 0, "socketpair relay exits 0")
        s.close()
        c.close()
        check(poll(lambda: not relay_pids(sock), 5), "no relay process left")
    finally:
        for m in managers:
            nclib.close_quietly(m)
        for c in clients:
            c.close()
        if agent:
            rc = nclib.stop(agent, 10)
            check(rc == 0, "erreadyd stops cleanly (exit %s)" % rc)
        if sshd:
            nclib.stop(sshd, 10)
        left = relay_pids(sock)
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        check(not left, "no relay process left at the end (%s)" % left)
        if nclib.failures():
            for name in ("erreadyd.log", "sshd.log"):
                p_ = os.path.join(d, name)
                if os.path.exists(p_):
                    sys.stdout.write("---- %s\n%s" % (name, open(p_).read()[-6000:]))
        shutil.rmtree(d, ignore_errors=True)
    return nclib.summary()


def _sessions(xml):
    from lxml import etree
    root = etree.fromstring(xml.encode() if isinstance(xml, str) else xml)
    out = []
    for el in root.iter():
        if etree.QName(el).localname == "session":
            out.append({etree.QName(c).localname: (c.text or "").strip() for c in el})
    return out


def _session_id(hello):
    from lxml import etree
    for el in etree.fromstring(hello).iter():
        if etree.QName(el).localname == "session-id":
            return el.text.strip()
    return None


if __name__ == "__main__":
    sys.exit(main())
