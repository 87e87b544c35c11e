"""harness.py: the small library every tests/integration/test_*.py uses.

Standard library only (run with /usr/bin/python3).  A test file looks like:

    from harness import Daemon, check, test, main, lookup_hash

    CONFIG = '''
    server_name: test.example
    data_dir: "@DATA_DIR@"
    listeners:
      - bind: "127.0.0.1:@PORT@"
        resources: [identity, health]
    database: {driver: sqlite, path: "@DATA_DIR@/mxgate.db"}
    '''

    @test
    def hash_details():
        with Daemon(CONFIG) as d:
            status, headers, body = d.get("/_matrix/identity/v2/hash_details")
            check("hash_details 200", status == 200, status)

    if __name__ == "__main__":
        main()

Placeholders in the config text: @PORT@ (and @PORT2@, @PORT3@... each a
free port), @DATA_DIR@ (a fresh directory per daemon), @LOG_FILE@ (a file in
it), @PGCONNINFO@ (the suite's PostgreSQL, from MXGATE_TEST_PGCONNINFO),
@PLUGIN_DIR@ (the build's store modules, plugins/.libs beside src/), plus
any @NAME@ given in Daemon(..., subst={"NAME": value}).

Counting: every check() is one case; main() prints "ok NAME" or
"FAIL NAME: detail" per check and ends with "N passed, N failed" (plus
", N skipped" when something was skipped).  A @test function that raises
counts one failure; one that checks nothing counts one failure too (a test
that asserts nothing proves nothing).

Environment: MXGATE_BIN (the binary under test, set by run.sh),
MXGATE_TEST_PGCONNINFO (optional), MXGATE_TEST_TMP (where daemons put their
files; a temporary directory otherwise).
"""

import base64
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

__all__ = [
    "Daemon", "DaemonError", "Reply", "check", "skip", "test", "main",
    "free_port", "port_open", "lookup_hash", "canonical_json", "ed25519_verify", "run_cli", "mxgate_bin", "pg_conninfo", "plugin_dir",
    "tmp_dir", "sanitizer_report", "wait_for",
]

# --- the check registry -------------------------------------------------------

_passed = 0
_failed = 0
_skipped = 0
_tests = []
_current_checks = 0


def check(name, cond, detail=""):
    """Record one case: prints "ok NAME" or "FAIL NAME: detail".  Returns cond
    as a bool so a test can stop early: `if not check(...): return`."""
    global _passed, _failed, _current_checks
    _current_checks += 1
    if cond:
        _passed += 1
        print("ok   %s" % name, flush=True)
        return True
    _failed += 1
    print("FAIL %s: %s" % (name, _short(detail)), flush=True)
    return False


def skip(name, why):
    """Record a case that cannot run here (e.g. no PostgreSQL).  Counted
    apart; never a pass."""
    global _skipped, _current_checks
    _current_checks += 1
    _skipped += 1
    print("skip %s: %s" % (name, why), flush=True)


def test(fn):
    """Decorator: register a test function; main() runs them in file order."""
    _tests.append(fn)
    return fn


def _short(detail, limit=2000):
    text = detail if isinstance(detail, str) else repr(detail)
    if len(text) > limit:
        text = text[:limit] + "...(%d more chars)" % (len(text) - limit)
    return text


def main(argv=None):
    """Run the registered tests (all, or those named on the command line),
    print the tally and exit 0 when nothing failed, 1 otherwise."""
    global _failed, _current_checks
    names = (sys.argv[1:] if argv is None else argv)
    for fn in _tests:
        if names and fn.__name__ not in names:
            continue
        print("# %s" % fn.__name__, flush=True)
        _current_checks = 0
        try:
            fn()
        except Exception:  # a crashing test is a failure, not an abort
            _failed += 1
            print("FAIL %s: exception\n%s" % (fn.__name__, traceback.format_exc()),
                  flush=True)
            continue
        finally:
            for d in list(Daemon._running):
                d.kill()
        if _current_checks == 0:
            _failed += 1
            print("FAIL %s: the test checked nothing" % fn.__name__, flush=True)
    line = "%d passed, %d failed" % (_passed, _failed)
    if _skipped:
        line += ", %d skipped" % _skipped
    print(line, flush=True)
    sys.exit(1 if _failed else 0)


# --- environment ----------------------------------------------------------------

def mxgate_bin():
    """The binary under test: $MXGATE_BIN, else the first build found."""
    env = os.environ.get("MXGATE_BIN")
    if env:
        return env
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for cand in ("build-suite/normal/src/mxgate", "build-quickstart/src/mxgate", "src/mxgate"):
        path = os.path.join(root, cand)
        if os.access(path, os.X_OK):
            return path
    raise DaemonError("MXGATE_BIN is not set and no built mxgate was found")


def plugin_dir():
    """The store modules built with the binary under test (libtool puts
    them in plugins/.libs of the build directory)."""
    return os.path.join(os.path.dirname(os.path.dirname(mxgate_bin())), "plugins", ".libs")


def pg_conninfo():
    """The suite's PostgreSQL conninfo, or None (then skip() the PG cases)."""
    return os.environ.get("MXGATE_TEST_PGCONNINFO") or None


_tmp_root = None


def tmp_dir(prefix="t"):
    """A fresh directory (mode 0755) under $MXGATE_TEST_TMP, or under a
    temporary directory removed at exit when every test passed."""
    global _tmp_root
    if _tmp_root is None:
        base = os.environ.get("MXGATE_TEST_TMP")
        if base:
            os.makedirs(base, exist_ok=True)
            _tmp_root = tempfile.mkdtemp(prefix="%s." % _script_name(), dir=base)
        else:
            _tmp_root = tempfile.mkdtemp(prefix="mxgate-test.")
            import atexit
            atexit.register(lambda: _failed == 0 and shutil.rmtree(_tmp_root, True))
        os.chmod(_tmp_root, 0o755)
    path = tempfile.mkdtemp(prefix=prefix + ".", dir=_tmp_root)
    # Searchable by others: a PostgreSQL started by a test runs as the
    # postgres user and keeps its socket and data below this directory.
    os.chmod(path, 0o755)
    return path


def _script_name():
    return os.path.splitext(os.path.basename(sys.argv[0] or "test"))[0]


_PORTS_GIVEN = set()


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now, and that
    this process has not been given before (the kernel may hand the same
    ephemeral port out twice in a row once the first socket is closed)."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _PORTS_GIVEN:
            _PORTS_GIVEN.add(port)
            return port
    raise RuntimeError("no fresh free port after 100 tries")


def port_open(port, host="127.0.0.1"):
    """True when something accepts connections on port (for polling peers)."""
    try:
        socket.create_connection((host, port), timeout=0.5).close()
        return True
    except OSError:
        return False


def canonical_json(obj):
    """Matrix canonical JSON (sorted keys, no spaces, raw UTF-8)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


_NODE_VERIFY = """
const c = require('crypto');
const [msg, sig, x] = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const key = c.createPublicKey({key: {kty: 'OKP', crv: 'Ed25519', x}, format: 'jwk'});
process.stdout.write(c.verify(null, Buffer.from(msg), key, Buffer.from(sig, 'base64')) ? 'valid' : 'invalid');
"""


def ed25519_verify(message, sig_b64, pub_b64):
    """'valid' or 'invalid' as node's ed25519 says (Python's standard library
    has none), or None when node is missing.  pub_b64 in either base64
    alphabet, padded or not."""
    node = shutil.which("node")
    if not node:
        return None
    std = pub_b64.replace("-", "+").replace("_", "/")
    x = base64.urlsafe_b64encode(base64.b64decode(std + "=" * (-len(std) % 4))).decode().rstrip("=")
    p = subprocess.run([node, "-e", _NODE_VERIFY], capture_output=True, text=True, timeout=30,
                       input=json.dumps([message, sig_b64, x]))
    return p.stdout.strip() or p.stderr


def wait_for(cond, timeout=10.0, interval=0.01):
    """Poll cond() until it returns a true value (returned) or timeout
    seconds pass (returns None).  For waiting on state, never a fixed sleep."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


# --- hashing ----------------------------------------------------------------------

def lookup_hash(address, medium, pepper):
    """The Identity Service v2 lookup hash: unpadded URL-safe base64 of
    sha256("<address> <medium> <pepper>")."""
    digest = hashlib.sha256(("%s %s %s" % (address, medium, pepper)).encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


# --- sanitizers ---------------------------------------------------------------------

_SANITIZER_RE = re.compile(
    r"(ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:|"
    r"SUMMARY: (Address|Undefined|Leak)Sanitizer)")


def sanitizer_report(text):
    """The first sanitizer report line in text, or None."""
    m = _SANITIZER_RE.search(text or "")
    if not m:
        return None
    start = text.rfind("\n", 0, m.start()) + 1
    return text[start:start + 1500]


# --- the CLI --------------------------------------------------------------------------

def run_cli(*args, env=None, input=None, timeout=60, cwd=None):
    """Run `mxgate ARGS...`; returns subprocess.CompletedProcess with text
    stdout/stderr.  A sanitizer report on stderr is recorded as a failure."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    cmd = [mxgate_bin()] + [str(a) for a in args]
    proc = subprocess.run(cmd, input=input, capture_output=True, text=True,
                          env=full_env, timeout=timeout, cwd=cwd)
    report = sanitizer_report(proc.stderr)
    if report:
        check("sanitizer-clean: mxgate %s" % " ".join(cmd[1:]), False, report)
    return proc


# --- HTTP ------------------------------------------------------------------------------

class Reply:
    """An HTTP answer: .status, .headers (dict, lower-case names), .raw_headers
    (every header as sent), .body (bytes), .json (parsed, or None when the
    body is not JSON).  Unpacks as (status, headers, json)."""

    def __init__(self, status, headers, body, raw_headers=None):
        self.status = status
        self.headers = headers
        self.raw_headers = raw_headers or []  # [(name, value)], repeats kept (Set-Cookie)
        self.body = body
        try:
            self.json = json.loads(body.decode("utf-8")) if body else None
        except ValueError:
            self.json = None

    def __iter__(self):
        return iter((self.status, self.headers, self.json))

    def __repr__(self):
        return "Reply(%d, %r)" % (self.status, self.body[:300])


def http_request(port, method, path, body=None, headers=None, host="127.0.0.1",
                 timeout=10.0, conn=None):
    """One HTTP/1.1 request.  body may be bytes, str, or any JSON value (sent
    as application/json).  Pass conn (http.client.HTTPConnection) to reuse a
    keep-alive connection."""
    hdrs = dict(headers or {})
    if body is not None and not isinstance(body, (bytes, str)):
        body = json.dumps(body)
        hdrs.setdefault("Content-Type", "application/json")
    if isinstance(body, str):
        body = body.encode("utf-8")
    own = conn is None
    if own:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
        return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data,
                     resp.getheaders())
    finally:
        if own:
            conn.close()


# --- the daemon ------------------------------------------------------------------------

class DaemonError(Exception):
    pass


def _die_with_parent():
    """In the child: SIGKILL when the test process dies (even by SIGKILL
    from run.sh's timeout), so no daemon outlives its test and holds a port."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Daemon:
    """One `mxgate serve` under test.  Daemon(config_text) writes the config
    (placeholders filled), runs `mxgate db migrate` (unless migrate=False),
    starts `mxgate serve -c` with stdout/stderr to a file and waits until
    GET wait_path answers 200 on the first port (wait_path=None: until the
    port accepts).  Use it as a context manager, or call start()/stop()."""

    _running = []

    def __init__(self, config, subst=None, migrate=True, wait_path="/health",
                 wait_timeout=10.0, env=None, args=None, name="mxgate", start=True):
        self.dir = tmp_dir(name)
        self.data_dir = os.path.join(self.dir, "data")
        os.makedirs(self.data_dir, mode=0o700)
        self.config_path = os.path.join(self.dir, "mxgate.yaml")
        self.log_file = os.path.join(self.dir, "mxgate.log")
        self.output_file = os.path.join(self.dir, "output.log")
        self.ports = {}
        values = {"DATA_DIR": self.data_dir, "LOG_FILE": self.log_file,
                  "PGCONNINFO": pg_conninfo() or "", "PLUGIN_DIR": plugin_dir()}
        values.update(subst or {})
        self.config_text = self._fill(config, values)
        with open(self.config_path, "w") as f:
            f.write(self.config_text)
        self.port = self.ports.get("PORT")
        self.migrate = migrate
        self.wait_path = wait_path
        self.wait_timeout = wait_timeout
        self.env = dict(os.environ)
        self.env.update(env or {})
        self.args = list(args or [])
        self.proc = None
        self.returncode = None
        self._out = None
        if start:
            self.start()

    def _fill(self, text, values):
        def repl(m):
            key = m.group(1)
            if re.fullmatch(r"PORT\d*", key):
                if key not in self.ports:
                    self.ports[key] = free_port()
                return str(self.ports[key])
            if key in values:
                return str(values[key])
            raise DaemonError("config placeholder @%s@ has no value" % key)
        return re.sub(r"@([A-Z][A-Z0-9_]*)@", repl, text)

    # lifecycle

    def start(self):
        if self.migrate:
            res = run_cli("db", "migrate", "-c", self.config_path, env=self.env)
            if res.returncode != 0:
                raise DaemonError("mxgate db migrate exited %d:\n%s%s" %
                                  (res.returncode, res.stdout, res.stderr))
        self._out = open(self.output_file, "ab")
        self.proc = subprocess.Popen(
            [mxgate_bin(), "serve", "-c", self.config_path] + self.args,
            stdin=subprocess.DEVNULL, stdout=self._out, stderr=subprocess.STDOUT,
            env=self.env, preexec_fn=_die_with_parent)
        Daemon._running.append(self)
        ready = wait_for(self._ready, self.wait_timeout)
        if self.proc.poll() is not None:
            rc = self.proc.returncode
            self._finish()
            raise DaemonError("mxgate serve exited %d before it was ready:\n%s" %
                              (rc, self.log_tail()))
        if not ready:
            self.kill()
            raise DaemonError("mxgate serve not ready after %.0f s:\n%s" %
                              (self.wait_timeout, self.log_tail()))
        return self

    def _ready(self):
        if self.proc.poll() is not None:
            return True  # reported by start()
        if self.port is None:
            return True
        # Listeners open one after the other: wait for every listener's port
        # (the ports of bind: lines; other @PORTn@ may be meant to be dead).
        binds = [m.group(1) for line in self.config_text.splitlines()
                 if not line.lstrip().startswith("#")
                 for m in [re.search(r"bind:\s*[\"']?[^\s\"',}]*:(\d+)", line)] if m]
        if not all(port_open(int(p)) for p in binds):
            return False
        if self.wait_path is None:
            return True
        try:
            return self.get(self.wait_path, timeout=2).status == 200
        except (OSError, http.client.HTTPException):
            return False

    def stop(self, sig=signal.SIGTERM, timeout=15.0):
        """Send sig, wait for the exit and return the exit code (negative:
        killed by that signal).  After timeout s the daemon is killed and a
        failure recorded.  A sanitizer report in the output is a failure."""
        if self.proc is None:
            return self.returncode
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                check("mxgate exits within %.0f s of signal %d" % (timeout, sig), False,
                      self.log_tail())
                self.proc.kill()
                self.proc.wait()
        self._finish()
        return self.returncode

    def kill(self):
        """SIGKILL, no checks (cleanup after a failed test)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._finish(check_sanitizers=False)

    def _finish(self, check_sanitizers=True):
        if self.proc is None:
            return
        self.returncode = self.proc.returncode
        self.proc = None
        if self in Daemon._running:
            Daemon._running.remove(self)
        if self._out:
            self._out.close()
            self._out = None
        if check_sanitizers:
            report = sanitizer_report(self.log_text())
            if report:
                check("sanitizer-clean: mxgate serve (%s)" % self.dir, False, report)

    def signal(self, sig):
        self.proc.send_signal(sig)

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            self.stop()
        else:
            self.kill()
        return False

    # logs

    def log_text(self):
        """The daemon's stdout/stderr, then the log file when the config
        names @LOG_FILE@."""
        text = ""
        for path in (self.output_file, self.log_file):
            try:
                with open(path, "rb") as f:
                    text += f.read().decode("utf-8", "replace")
            except FileNotFoundError:
                pass
        return text

    def log_tail(self, lines=40):
        return "\n".join(self.log_text().splitlines()[-lines:])

    # HTTP

    def request(self, method, path, body=None, headers=None, port=None, timeout=10.0,
                conn=None):
        return http_request(port or self.port, method, path, body, headers,
                            timeout=timeout, conn=conn)

    def get(self, path, headers=None, port=None, timeout=10.0):
        return self.request("GET", path, None, headers, port, timeout)

    def post(self, path, body=None, headers=None, port=None, timeout=10.0):
        return self.request("POST", path, body, headers, port, timeout)

    def connection(self, port=None, timeout=10.0):
        """A keep-alive http.client.HTTPConnection; pass it as conn=."""
        return http.client.HTTPConnection("127.0.0.1", port or self.port, timeout=timeout)

    def send_raw(self, data, port=None, timeout=5.0, shut_write=False):
        """Write data (bytes) on a fresh socket and return every byte read
        until the server closes or timeout s pass without data."""
        with socket.create_connection(("127.0.0.1", port or self.port), timeout=timeout) as s:
            s.sendall(data)
            if shut_write:
                s.shutdown(socket.SHUT_WR)
            chunks = []
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    chunks.append(chunk)
            except socket.timeout:
                pass
            except ConnectionResetError:
                pass
            return b"".join(chunks)


# --- the homeserver peer (tests/peers/homeserver.mjs) ---------------------------------

class HomeserverPeer:
    """A fake homeserver (Node.js, tests/peers/homeserver.mjs) on a free port
    of 127.0.0.1: OpenID userinfo, well-known, server keys, onbind.  Use it as
    a context manager; .base_url is what identity.homeservers maps its
    server name to.  HomeserverPeer.node() is None when Node.js is missing
    (then skip())."""

    SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          "peers", "homeserver.mjs")

    def __init__(self, server_name="hs.test", m_server=None, start=True, timeout=10.0):
        self.server_name = server_name
        self.m_server = m_server
        self.timeout = timeout
        self.port = None
        self.proc = None
        self.dir = None
        if start:
            self.start()

    @staticmethod
    def node():
        return shutil.which("node") or shutil.which("nodejs")

    @property
    def base_url(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self):
        node = self.node()
        if node is None:
            raise DaemonError("node is not installed")
        self.dir = tmp_dir("hs-peer")
        self.port = free_port()
        cmd = [node, self.SCRIPT, "--port", str(self.port), "--server-name", self.server_name]
        if self.m_server:
            cmd += ["--m-server", self.m_server]
        self._out = open(os.path.join(self.dir, "peer.log"), "ab")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self._out,
                                     stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)

        def up():
            if self.proc.poll() is not None:
                return True
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return True
            except OSError:
                return False
        if not wait_for(up, self.timeout) or self.proc.poll() is not None:
            self.stop()
            raise DaemonError("the homeserver peer did not start:\n%s" % self.log_text())
        return self

    def stop(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            self.proc = None
        if getattr(self, "_out", None):
            self._out.close()
            self._out = None

    def log_text(self):
        try:
            with open(os.path.join(self.dir, "peer.log"), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except (OSError, TypeError):
            return ""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def request(self, method, path, body=None):
        return http_request(self.port, method, path, body)

    def openid_token(self, user_id):
        """An OpenID token object for user_id, as a client would get from its
        homeserver and send to /account/register."""
        r = self.request("POST", "/_test/openid", {"user_id": user_id})
        if r.status != 200:
            raise DaemonError("peer /_test/openid answered %r" % r)
        return r.json

    def behave(self, **knobs):
        """Change how the peer answers (see homeserver.mjs)."""
        return self.request("POST", "/_test/behaviour", knobs).json


def register_account(daemon, peer, user_id):
    """Register user_id (a user of peer) at daemon; returns its IS token."""
    r = daemon.post("/_matrix/identity/v2/account/register", peer.openid_token(user_id))
    if r.status != 200 or not (r.json or {}).get("token"):
        raise DaemonError("register %s answered %r" % (user_id, r))
    return r.json["token"]


def with_homeserver_peer(server_name="example.org", **knobs):
    """Decorator: run the @test function with a started HomeserverPeer as
    its one argument (knobs passed to behave() first); the test is skipped
    when Node.js is missing."""
    def wrap(fn):
        def run():
            if HomeserverPeer.node() is None:
                skip(fn.__name__, "node is not installed")
                return
            with HomeserverPeer(server_name=server_name) as peer:
                if knobs:
                    peer.behave(**knobs)
                fn(peer)
        run.__name__ = fn.__name__
        return run
    return wrap


def run_js_client(script, env, timeout=120):
    """Run tests/js/<script> (a real client from npm) with env added; it
    prints one JSON object per step.  Returns (process, {step: fields},
    the output's tail for failure details)."""
    js = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "js")
    proc = subprocess.run(["node", os.path.join(js, script)], env=dict(os.environ, **env),
                          cwd=js, capture_output=True, text=True, timeout=timeout)
    steps = {}
    for line in proc.stdout.splitlines():
        try:
            step = json.loads(line)
            steps[step.pop("step")] = step
        except (ValueError, KeyError, AttributeError):
            pass
    return proc, steps, proc.stdout[-2000:] + proc.stderr[-2000:]


__all__ += ["HomeserverPeer", "register_account", "http_request", "with_homeserver_peer",
            "run_js_client"]
