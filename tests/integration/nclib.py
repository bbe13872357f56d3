"""NETCONF client helpers for the erready integration tests.

Written against the Debian packages python3-ncclient 0.6.13 (paramiko 2.12)
and yangcli 2.13 (yuma123, libssh2 1.10).  Run the tests with /usr/bin/python3:
ncclient is only installed for the system interpreter.

What is here:
  connect_unix(path)            ncclient Manager over erreadyd's UNIX socket
  connect_ssh(host, port, ...)  ncclient Manager over SSH, public-key auth
  set_tick(seconds)             ncclient's send-queue polling interval
  rpc(m, body) / errors(reply)  any <rpc> body, reply returned, never raised
  take_notification(m, t)       next <notification>, parsed, with a deadline
  RawUnixNetconf(path)          byte-level client for malformed input
  yangcli_run(...)              yangcli in batch mode with a private HOME

Importing this module also installs the fix for ncclient issue #524 (see
_post_connect_sync_hello below) into ncclient's SSHSession, for every
session of the process, SSH and UNIX alike.
"""

import collections
import os
import warnings
import re
import select
import socket
import shutil
import subprocess
import tempfile
import threading
import time

import ncclient
from lxml import etree
from ncclient import manager
from ncclient.devices.default import DefaultDeviceHandler
from ncclient.operations.rpc import RPC, RaiseMode
from ncclient.transport import parser as nc_parser
from ncclient.transport import ssh as nc_ssh
from ncclient.transport.errors import SessionCloseError, SessionError
from ncclient.transport.session import HelloHandler, NetconfBase, NotificationHandler

NC_NS = "urn:ietf:params:xml:ns:netconf:base:1.0"
NOTIF_NS = "urn:ietf:params:xml:ns:netconf:notification:1.0"
ERR_NS = "urn:erready:params:xml:ns:yang:expressroute-readiness"
BASE10 = "urn:ietf:params:netconf:base:1.0"
BASE11 = "urn:ietf:params:netconf:base:1.1"
EOM = b"]]>]]>"

if ncclient.__version__ != "0.6.13":
    warnings.warn("nclib mirrors ncclient 0.6.13 internals; found %s" % ncclient.__version__)


# --------------------------------------------------------------------------
# Device handler: base:1.1 on/off and the hello timeout, via device_params.

class _Handler(DefaultDeviceHandler):
    """DefaultDeviceHandler with two device_params:
    'base11' (default True): False advertises only base:1.0, so the whole
    session keeps ]]>]]> framing;  'hello_timeout' (default 60 s, as ncclient)."""

    def __init__(self, device_params=None):
        DefaultDeviceHandler.__init__(self, device_params)
        params = device_params or {}
        self.base11 = params.get("base11", True)
        self.hello_timeout = params.get("hello_timeout", 60)

    def get_capabilities(self):
        caps = DefaultDeviceHandler.get_capabilities(self)
        return caps if self.base11 else [c for c in caps if c != BASE11]


def _write_all(chan, data):
    # The send loop of SSHSession.run() (ncclient/transport/ssh.py 0.6.13, lines 523-527).
    while data:
        n = chan.send(data)
        if n <= 0:
            raise SessionCloseError("", data)
        data = data[n:]


# --------------------------------------------------------------------------
# ncclient#524: the client <hello> is framed by the reader thread.
#
# Session._post_connect (ncclient/transport/session.py 0.6.13, lines 91-125)
# queues the client hello (line 106: self.send(...)) and starts the reader
# thread (line 108), which both reads and writes.  If the server's hello is
# already readable, the reader parses it first, the connecting thread wakes
# and sets self._base = BASE_11 (line 121), and the reader then frames the
# queued client hello with base:1.1 chunks.  A server still waiting for a ]]>]]>-terminated
# hello never sees one.  The replacement below is lines 91-125 with one change:
# the hello is written to the channel, ]]>]]> framed, before the thread starts.

def _post_connect_sync_hello(self):
    init_event = threading.Event()
    error = [None]

    def ok_cb(sid, capabilities):
        self._id = sid
        self._server_capabilities = capabilities
        init_event.set()

    def err_cb(err):
        error[0] = err
        init_event.set()

    self.add_listener(NotificationHandler(self._notification_q))
    listener = HelloHandler(ok_cb, err_cb)
    self.add_listener(listener)
    hello = HelloHandler.build(self._client_capabilities, self._device_handler)
    _write_all(self._channel, hello.encode() + EOM)      # the change (was: self.send(hello))
    self.start()
    init_event.wait(getattr(self._device_handler, "hello_timeout", 60))
    if not init_event.is_set():
        raise SessionError("Capability exchange timed out")
    self.remove_listener(listener)
    if error[0]:
        raise error[0]
    if BASE11 in self._server_capabilities and BASE11 in self._client_capabilities:
        self._base = NetconfBase.BASE_11


# SSHSession inherits _post_connect from Session in 0.6.13: nothing to restore.
_ORIGINAL_POST_CONNECT = vars(nc_ssh.SSHSession).get("_post_connect")


def use_hello_fix(enabled=True):
    """Install (default, done at import) or remove the ncclient#524 fix."""
    if enabled:
        nc_ssh.SSHSession._post_connect = _post_connect_sync_hello
    elif _ORIGINAL_POST_CONNECT is not None:
        nc_ssh.SSHSession._post_connect = _ORIGINAL_POST_CONNECT
    elif "_post_connect" in vars(nc_ssh.SSHSession):
        del nc_ssh.SSHSession._post_connect


use_hello_fix(True)


def set_tick(seconds):
    """Set ncclient's reader-loop wake-up interval; return the previous one.

    SSHSession.run() (ssh.py line 499) sends queued requests only when
    select() returns, i.e. every TICK seconds (ssh.py line 53, 0.1 s) unless
    data arrives: every RPC waits up to TICK before it leaves (~100 ms per
    get; ~1.3 ms with 0.001).  run() reads the module global on each
    iteration, so open sessions follow from their next wake-up: the first RPC
    after a change may still wait one old TICK (set it before connecting, or
    send one throw-away RPC before timing).  0.001 costs about 1000 wake-ups a
    second per open session.
    parser.TICK (parser.py line 52) is unused in 0.6.13; kept equal anyway."""
    old = nc_ssh.TICK
    nc_ssh.TICK = float(seconds)
    nc_parser.TICK = float(seconds)
    return old


# --------------------------------------------------------------------------
# NETCONF over a UNIX socket with ncclient.

class _UnixChannel(object):
    """The part of paramiko.Channel that SSHSession.run() and close() use."""

    def __init__(self, sock):
        self._sock = sock

    def fileno(self):
        return self._sock.fileno()

    def recv(self, n):
        try:
            return self._sock.recv(n)
        except ConnectionResetError:
            return b""                              # like paramiko: EOF

    def send(self, data):
        return self._sock.send(data)

    def send_ready(self):
        return True                                 # blocking socket: send() waits

    def close(self):
        self._sock.close()


class _UnixTransport(object):
    """The part of paramiko.Transport that SSHSession.close() uses."""

    def __init__(self, sock):
        self._sock = sock
        self._active = True

    def is_active(self):
        return self._active

    def close(self):
        # shutdown() wakes the reader thread's select() with EOF; it sees
        # _closing set and leaves its loop.  The channel closes the fd later.
        if self._active:
            self._active = False
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class UnixSession(nc_ssh.SSHSession):
    """SSHSession whose channel is a connected AF_UNIX stream socket.
    run(), close(), framing and parsing are SSHSession's."""

    def connect(self, path, timeout=10):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(path)
        except OSError:
            sock.close()
            raise
        sock.settimeout(None)
        self._host = path
        self._channel = _UnixChannel(sock)
        self._transport = _UnixTransport(sock)
        self._channel_id = 0
        self._channel_name = "unix:" + path
        self._connected = True
        self._closing.clear()
        self._post_connect()
        self.parser = self._device_handler.get_xml_parser(self)


def connect_unix(path, timeout=10, base11=True):
    """ncclient Manager over the UNIX socket at path.  timeout bounds the
    connect, the hello exchange and every synchronous RPC."""
    handler = _Handler({"base11": base11, "hello_timeout": timeout})
    session = UnixSession(handler)
    try:
        session.connect(path, timeout)
    except Exception:
        if session._transport is not None:
            session.close()
        raise
    return manager.Manager(session, handler, timeout=timeout)


def connect_ssh(host, port, username, key_filename, timeout=10, base11=True):
    """ncclient Manager over SSH with the given private key only (no agent,
    no ~/.ssh keys, no host key check).  host must be passed by keyword to
    manager.connect(): with a positional host it returns None."""
    return manager.connect(
        host=host, port=port, username=username, key_filename=key_filename,
        hostkey_verify=False, allow_agent=False, look_for_keys=False,
        timeout=timeout,
        device_params={"handler": _Handler, "base11": base11, "hello_timeout": timeout})


def close_quietly(m):
    """close-session if the session is still up, else just drop it."""
    try:
        if m.connected:
            m.close_session()
    except Exception:
        pass
    try:
        m._session.close()
    except Exception:
        pass


# --------------------------------------------------------------------------
# Raw RPCs and rpc-errors.

class _RawRPC(RPC):
    """RPC with extra attributes on <rpc> (besides message-id)."""

    def __init__(self, *args, **kw):
        self._extra_attrs = kw.pop("rpc_attrs", None) or {}
        RPC.__init__(self, *args, **kw)

    def _wrap(self, subele):
        ele = etree.Element(etree.QName(NC_NS, "rpc"), nsmap={None: NC_NS})
        ele.set("message-id", self._id)
        for k, v in self._extra_attrs.items():
            ele.set(k, v)
        ele.append(subele)
        return etree.tostring(ele, encoding="unicode")


def _to_element(xml):
    if isinstance(xml, etree._Element):
        return xml
    if isinstance(xml, str):
        xml = xml.encode()
    return etree.fromstring(xml)


def rpc(m, body, timeout=None, rpc_attrs=None):
    """Send body (one XML element: str, bytes or lxml element) as the
    operation of an <rpc> and return the ncclient RPCReply (.xml raw text,
    .ok, .errors).  rpc-errors never raise; a timeout or a dropped session do.

    The body keeps its own namespaces: an element without xmlns lands in the
    base:1.0 namespace of <rpc>.  Examples:
      rpc(m, '<evaluate-now xmlns="%s"/>' % ERR_NS)
      rpc(m, '<kill-session><session-id>7</session-id></kill-session>')
      rpc(m, '<cancel-commit><persist-id>x</persist-id></cancel-commit>')
      rpc(m, '<create-subscription xmlns="%s"><startTime>2024-01-01T00:00:00Z'
             '</startTime></create-subscription>' % NOTIF_NS)
    Replies must carry the message-id: ncclient's reader thread raises on an
    <rpc-reply> without one and drops the session (use RawUnixNetconf)."""
    op = _RawRPC(m._session, m._device_handler, async_mode=False,
                 timeout=timeout if timeout is not None else m.timeout,
                 raise_mode=RaiseMode.NONE, rpc_attrs=rpc_attrs)
    return op._request(_to_element(body))


def _local(tag):
    return etree.QName(tag).localname if isinstance(tag, str) else None


def errors(reply):
    """The <rpc-error>s of a reply (RPCReply, XML text or bytes, element) as
    a list of dicts keyed by child name: 'error-type', 'error-tag',
    'error-severity', 'error-app-tag', 'error-path', 'error-message' (text,
    absent keys = element absent) and 'error-info' (dict child name -> text).
    Namespace-blind, so replies from non-conforming senders parse too."""
    if hasattr(reply, "xml") and not isinstance(reply, etree._Element):
        reply = reply.xml
    root = _to_element(reply)
    out = []
    for err in root.iter():
        if _local(err.tag) != "rpc-error":
            continue
        d = {}
        for child in err:
            name = _local(child.tag)
            if name is None:
                continue
            if name == "error-info":
                d[name] = {_local(c.tag): (c.text or "").strip() for c in child if _local(c.tag)}
            else:
                d[name] = (child.text or "").strip()
        out.append(d)
    return out


# --------------------------------------------------------------------------
# Notifications.

Notif = collections.namedtuple("Notif", "event_time name namespace leaves xml")


def _leaves(el):
    d = {}
    for child in el:
        name = _local(child.tag)
        if name is None:
            continue
        v = _leaves(child) if len(child) else (child.text or "").strip()
        if name in d:
            if not isinstance(d[name], list):
                d[name] = [d[name]]
            d[name].append(v)
        else:
            d[name] = v
    return d


def parse_notification(xml):
    """Notif(event_time, name, namespace, leaves, xml) of a <notification>.
    leaves: child name -> text; containers nest as dicts, repeats as lists."""
    root = _to_element(xml)
    event_time, event = None, None
    for child in root:
        if _local(child.tag) == "eventTime":
            event_time = (child.text or "").strip()
        elif event is None and _local(child.tag):
            event = child
    if event is None:
        return Notif(event_time, None, None, {}, xml)
    q = etree.QName(event.tag)
    return Notif(event_time, q.localname, q.namespace, _leaves(event), xml)


def take_notification(m, timeout=5.0):
    """Next notification received on m (after create-subscription), parsed,
    or None if none arrives within timeout seconds."""
    n = m.take_notification(block=True, timeout=timeout)
    return None if n is None else parse_notification(n.notification_xml)


def drain_notifications(m):
    """All notifications already queued on m, parsed, without waiting."""
    out = []
    while True:
        n = m.take_notification(block=False)
        if n is None:
            return out
        out.append(parse_notification(n.notification_xml))


# --------------------------------------------------------------------------
# Byte-level client for the UNIX endpoint.

_ROOT_RE = re.compile(rb"\s*(?:<\?xml[^>]*\?>\s*)?<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")


def _root_is_notification(msg):
    """Whether a message's root element is <notification>, from its first
    bytes: parsing a whole 80 MB <get> reply to learn that took 0.6 s, which
    the byte-level client's timings then charged to the server."""
    m = _ROOT_RE.match(msg[:512])
    return bool(m) and m.group(1) == b"notification"


class RawUnixNetconf(object):
    """NETCONF over a UNIX socket without ncclient, for input ncclient would
    never produce.  Reads the server hello, then sends our hello (unless
    hello=False): base:1.0 only by default, so both sides keep ]]>]]> framing;
    with base11=True it offers base:1.1 and switches to chunked framing if the
    server offers it too.  hello=b'...' sends those bytes verbatim instead
    (set .base11 yourself afterwards if needed).

      c = RawUnixNetconf(path)
      c.send(b'<rpc xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><get/></rpc>')
      reply = c.recv()           # one message, framing removed, bytes
      c.send_raw(b'<rpc ...')    # bytes exactly as given, no framing added
      c.closed_by_peer(2.0)      # True if the server closes within 2 s
    """

    def __init__(self, path, timeout=10, base11=False, hello=True, sock=None):
        self.timeout = timeout
        self.base11 = False
        self.notifications = []
        # A bytearray grows in place: appending to bytes copied the whole
        # buffer on every read (quadratic: 1.9 s to read a 5 MB reply).
        self._buf = bytearray()
        self._eof = False
        # sock: anything with sendall/recv/settimeout/close, already connected (RawSshNetconf)
        self.sock = sock or socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        try:
            if sock is None:
                self.sock.connect(path)
            self._hello(base11, hello)
        except Exception:
            self.sock.close()
            raise

    def _hello(self, base11, hello):
        self.server_hello = self.recv()
        h = etree.fromstring(self.server_hello)
        self.server_capabilities = [(c.text or "").strip() for c in h.iter() if _local(c.tag) == "capability"]
        sid = [c.text for c in h.iter() if _local(c.tag) == "session-id"]
        self.session_id = sid[0].strip() if sid else None
        if hello is True:
            caps = [BASE10] + ([BASE11] if base11 else [])
            self.send(('<hello xmlns="%s"><capabilities>%s</capabilities></hello>'
                       % (NC_NS, "".join("<capability>%s</capability>" % c for c in caps))).encode())
            self.base11 = base11 and BASE11 in self.server_capabilities
        elif hello:
            self.send_raw(hello if isinstance(hello, bytes) else hello.encode())

    def send_raw(self, data):
        self.sock.sendall(data)

    def send(self, msg):
        """One message in the current framing (]]>]]> or one base:1.1 chunk)."""
        if isinstance(msg, str):
            msg = msg.encode()
        if self.base11:
            self.sock.sendall(b"\n#%d\n%s\n##\n" % (len(msg), msg))
        else:
            self.sock.sendall(msg + EOM)

    def rpc(self, body, message_id="1", timeout=None):
        """<rpc message-id=...>body</rpc>; returns the next non-notification
        message (notifications seen meanwhile go to self.notifications)."""
        if isinstance(body, bytes):
            body = body.decode()
        self.send('<rpc xmlns="%s" message-id="%s">%s</rpc>' % (NC_NS, message_id, body))
        while True:
            msg = self.recv(timeout)
            if _root_is_notification(msg):
                self.notifications.append(msg)
                continue
            return msg

    def _fill(self, deadline):
        if self._eof:
            raise EOFError("server closed the connection")
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([self.sock], [], [], left)[0]:
            raise TimeoutError("no complete message within the timeout")
        try:
            data = self.sock.recv(65536)
        except ConnectionResetError:
            data = b""
        if not data:
            self._eof = True
            raise EOFError("server closed the connection")
        self._buf += data

    def recv(self, timeout=None):
        """One message (bytes, framing removed).  TimeoutError if it is not
        complete in time, EOFError if the server closed first, ValueError on a
        base:1.1 framing error."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        if not self.base11:
            start = 0
            while True:
                i = self._buf.find(EOM, start)
                if i >= 0:
                    msg = bytes(self._buf[:i])
                    del self._buf[:i + len(EOM)]
                    return msg
                start = max(0, len(self._buf) - len(EOM) + 1)  # scan only what is new
                self._fill(deadline)
        parts, pos = [], 0
        while True:
            buf = self._buf
            if len(buf) - pos < 4:
                self._fill(deadline)
                continue
            if buf[pos:pos + 4] == b"\n##\n":
                del self._buf[:pos + 4]
                return b"".join(parts)
            if buf[pos:pos + 2] != b"\n#" or not buf[pos + 2:pos + 3].isdigit():
                raise ValueError("bad chunk header: %r" % buf[pos:pos + 20])
            nl = buf.find(b"\n", pos + 2)
            if nl < 0:
                if len(buf) - pos > 13:
                    raise ValueError("bad chunk header: %r" % buf[pos:pos + 20])
                self._fill(deadline)
                continue
            size = int(buf[pos + 2:nl])
            if len(buf) < nl + 1 + size:
                self._fill(deadline)
                continue
            parts.append(bytes(buf[nl + 1:nl + 1 + size]))
            pos = nl + 1 + size

    def closed_by_peer(self, timeout=None):
        """True if the server closes the connection within timeout; data
        arriving meanwhile stays buffered for recv()."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            try:
                self._fill(deadline)
            except EOFError:
                return True
            except TimeoutError:
                return False

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


# --------------------------------------------------------------------------
# yangcli (yuma123 2.13).
#
# Verified against libnetconf2 2.0.24 servers (a scratch one and erreadyd) over
# SSH with ed25519 and RSA user keys, and offline:
# - Options: --server --ncport --user --public-key --private-key (both files
#   needed; no --ssh-* prefix), --batch-mode with --run-script=FILE (one
#   command per line) or --run-command=CMD.  No host key check at all.
# - The exit status is 0 whatever happens (failed connect, failed auth,
#   rpc-error), negative only if yangcli dies of a signal: judge stdout.
#   "NETCONF session established" marks a session; failures print
#   "Start session failed", "RPC Error Reply", "Error: ...".
# - Batch mode never prompts (no password + key refused = failure message).
# - The first failing command (rpc-error, unknown command) prints
#   "Script '...' canceled" and the remaining commands do not run.
# - Without a final close-session the session just drops (the server sees an
#   unexpected EOF); after close-session's reply yangcli prints "session shut
#   by remote peer" or "Error: ses read failed".  Both are harmless.
# - Modules: yangcli loads the modules listed as <hello> capabilities (local
#   copies from --modpath / YUMA_MODPATH / /usr/share/yuma/modules, else
#   <get-schema>).  libnetconf2 lists only YANG 1.0 modules in <hello> and
#   announces yang-library:1.1, which yuma123 does not understand (it warns
#   about the capability URI), so YANG 1.1 modules such as
#   expressroute-readiness are never loaded by themselves: pass
#   modules=["expressroute-readiness"] and modpath=DIR (":"-separated list).
#   --module=PATH.yang (a file name instead of a module name) aborts yangcli
#   2.13 with an assertion in ncxmod_load_module once the module parses.
# - yuma123 compiles patterns with libxml2's XSD regex engine, stricter than
#   libyang: the regex \$ (not an XSD escape; write [$]) and a class range
#   starting with an escaped ] ([...\]-~], write [...\]^-~]) make the
#   module fail to load.  When a --module fails to load, yangcli may then
#   die of SIGSEGV (returncode -11) printing a reply with that module's data.
# - HOME: nothing needs to be writable; a private one keeps a developer's
#   ~/.yuma (aliases, uservars, history) out of the run.  cwd is the temp
#   dir because yangcli looks for modules in the current directory first.

def yangcli_run(host, port, user, pubkey, privkey, commands, modpath=None, timeout=60,
                modules=(), display_mode="xml", extra_args=()):
    """Run yangcli in batch mode against host:port with a script made of
    commands (one per list item); return (returncode, stdout+stderr text).
    modpath: directory or list of directories for --modpath; modules: module
    names to load at start (--module).  Raises subprocess.TimeoutExpired
    (with .output) if yangcli has not finished after timeout seconds."""
    tmp = tempfile.mkdtemp(prefix="nclib-yangcli-")
    try:
        script = os.path.join(tmp, "script.yangcli")
        with open(script, "w") as f:
            f.write("".join(c.rstrip("\n") + "\n" for c in commands))
        args = ["yangcli",
                "--server=%s" % host, "--ncport=%d" % int(port), "--user=%s" % user,
                "--public-key=%s" % os.path.abspath(pubkey),
                "--private-key=%s" % os.path.abspath(privkey),
                "--batch-mode", "--run-script=%s" % script,
                "--autohistory=false", "--autoaliases=false", "--autouservars=false"]
        if display_mode:
            args.append("--display-mode=%s" % display_mode)
        if modpath:
            dirs = [modpath] if isinstance(modpath, str) else list(modpath)
            args.append("--modpath=%s" % ":".join(os.path.abspath(d) for d in dirs))
        args += ["--module=%s" % m for m in modules]
        args += list(extra_args)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("YUMA_") and k != "SSH_AUTH_SOCK"}
        env["HOME"] = tmp
        p = subprocess.run(args, cwd=tmp, env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout)
        return p.returncode, p.stdout.decode("utf-8", "replace")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def yangcli_session_ok(out):
    """True if yangcli's output shows an established NETCONF session."""
    return "NETCONF session established" in out


# --------------------------------------------------------------------------
# Bookkeeping: shared with the SNMP tests (testlib), re-exported here.

from testlib import (check, failures, free_tcp_port, free_udp_port, info, log_tail_on_failure, poll,  # noqa: E402,F401
                     stop, summary, try_)


class RawSshNetconf(RawUnixNetconf):
    """RawUnixNetconf over SSH (paramiko, which ncclient uses): the netconf
    subsystem's channel in place of the socket, authenticated with key."""

    def __init__(self, host, port, username, key_filename, timeout=10, base11=False, hello=True):
        import paramiko
        self._transport = paramiko.Transport((host, port))
        try:
            self._transport.connect(username=username, pkey=paramiko.Ed25519Key.from_private_key_file(key_filename))
            chan = self._transport.open_session(timeout=timeout)
            chan.invoke_subsystem("netconf")
        except Exception:
            self._transport.close()
            raise
        RawUnixNetconf.__init__(self, None, timeout=timeout, base11=base11, hello=hello, sock=chan)

    def close(self):
        self.sock.close()
        self._transport.close()
