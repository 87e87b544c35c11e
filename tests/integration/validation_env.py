"""validation_env.py: what the identity tests that validate an address share
(test_validation.py, test_binding.py): an SMTP sink and an SMS gateway from
tests/peers, the homeserver peer, the daemon configured for them with a user
registered, and helpers to read the mail.  Not a test file itself."""

import email
import email.policy
import glob
import json
import os
import re
import subprocess

from harness import (Daemon, HomeserverPeer, free_port, port_open, register_account, tmp_dir,
                     wait_for)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PEERS = os.path.join(ROOT, "tests", "peers")
TEMPLATES = os.path.join(ROOT, "etc", "templates")
V2 = "/_matrix/identity/v2"
SMTP_PASSWORD = "smtp-pw-s3cret"
SMS_PASSWORD = "sms-pw-s3cret"

CONFIG = """
server_name: example.org
public_baseurl: "http://127.0.0.1:@PORT@/"
data_dir: "@DATA_DIR@"
listeners:
  - bind: "127.0.0.1:@PORT@"
    resources: [identity, health]
database:
  driver: sqlite
identity:
  homeservers:
    - {server_name: example.org, base_url: "@HS_URL@"}
rate_limits:
@RATE_LIMITS@
threepid:
  session_lifetime: @LIFETIME@
  max_token_attempts: 3
  email:
    from: "mxgate test <noreply@example.org>"
    smtp_url: "smtp://127.0.0.1:@SMTP_PORT@"
    username: mxgate
    password_file: "@SMTP_PW_FILE@"
    connect_timeout: 2s
    timeout: 5s
    templates_dir: "@TEMPLATES@"
  msisdn:
    gateway_url: "http://127.0.0.1:@SMS_PORT@/2010-04-01/Messages.json"
    from: "MXGATE"
    username: acct
    password_file: "@SMS_PW_FILE@"
    timeout: 3s
@EXTRA@
"""


def is_token(daemon):
    """The identity-server token for authenticated calls: Env registers
    @alice:example.org through the homeserver peer."""
    return daemon.is_token


def auth(daemon):
    return {"Authorization": "Bearer %s" % is_token(daemon)}


def mail_files(mail_dir):
    """The mails smtp_sink.py delivered into mail_dir, in order."""
    return sorted(glob.glob(os.path.join(mail_dir, "mail-*.eml")),
                  key=lambda p: int(re.search(r"mail-(\d+)", p).group(1)))


def wait_mail(mail_dir, n, timeout=10):
    """The n-th delivered mail (1-based) as an email.message, or None."""
    if not wait_for(lambda: len(mail_files(mail_dir)) >= n, timeout):
        return None
    with open(mail_files(mail_dir)[n - 1], "rb") as f:
        return email.message_from_binary_file(f, policy=email.policy.default)


class Peer:
    """A helper process from tests/peers, up once its port accepts."""

    def __init__(self, script, *args, port=None):
        self.port = port or free_port()
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", os.path.join(PEERS, script), str(self.port)] +
            [str(a) for a in args], stdin=subprocess.DEVNULL)
        if not wait_for(lambda: self.proc.poll() is not None or port_open(self.port), 10):
            raise RuntimeError("%s did not start" % script)
        if self.proc.poll() is not None:
            raise RuntimeError("%s exited %d" % (script, self.proc.returncode))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class Env:
    """The daemon with an SMTP sink and an SMS gateway beside it."""

    # Most cases send many requests: limits off unless a case sets them.
    NO_LIMITS = ("  request_token: {per_second: 0}\n  submit_token: {per_second: 0}\n"
                 "  register: {per_second: 0}")

    def __init__(self, lifetime="24h", smtp=True, sms_status=201, rate_limits=NO_LIMITS,
                 extra=""):
        """extra: more top-level config (e.g. a stores: section)."""
        self.dir = tmp_dir("validation")
        self.mail_dir = os.path.join(self.dir, "mail")
        os.makedirs(self.mail_dir)
        self.sms_file = os.path.join(self.dir, "sms.jsonl")
        for name, pw in (("smtp.pw", SMTP_PASSWORD), ("sms.pw", SMS_PASSWORD)):
            with open(os.path.join(self.dir, name), "w") as f:
                f.write(pw + "\n")
        self.smtp = Peer("smtp_sink.py", self.mail_dir, "mxgate", SMTP_PASSWORD) if smtp \
            else None
        self.sms = Peer("sms_gateway.py", self.sms_file, sms_status)
        self.hs = HomeserverPeer("example.org")
        self.daemon = Daemon(CONFIG, subst={
            "HS_URL": self.hs.base_url, "RATE_LIMITS": rate_limits, "EXTRA": extra,
            "LIFETIME": lifetime, "TEMPLATES": TEMPLATES,
            "SMTP_PORT": self.smtp.port if smtp else free_port(),
            "SMTP_PW_FILE": os.path.join(self.dir, "smtp.pw"),
            "SMS_PORT": self.sms.port, "SMS_PW_FILE": os.path.join(self.dir, "sms.pw")})
        self.daemon.is_token = register_account(self.daemon, self.hs, "@alice:example.org")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            self.daemon.__exit__(*exc)
        finally:
            if self.smtp:
                self.smtp.stop()
            self.sms.stop()
            self.hs.stop()
        return False

    # mail

    def mails(self):
        return mail_files(self.mail_dir)

    def wait_mail(self, n):
        return wait_mail(self.mail_dir, n)

    def envelope(self, n):
        with open(os.path.join(self.mail_dir, "mail-%d.json" % n)) as f:
            return json.load(f)

    def sms_records(self):
        try:
            with open(self.sms_file) as f:
                return [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []

    # requests

    def post(self, path, body, headers=None):
        return self.daemon.post(V2 + path, body, headers=auth(self.daemon)
                                if headers is None else headers)

    def get(self, path, authed=True):
        return self.daemon.get(V2 + path, headers=auth(self.daemon) if authed else None)

    def request_email(self, addr, secret, attempt=1, **extra):
        body = {"client_secret": secret, "email": addr, "send_attempt": attempt}
        body.update(extra)
        return self.post("/validate/email/requestToken", body)


def parts(msg):
    text = html = None
    for part in msg.walk():
        if part.get_content_type() == "text/plain":
            text = part.get_content()
        elif part.get_content_type() == "text/html":
            html = part.get_content()
    return text, html


def link_of(text):
    m = re.search(r"(http://\S+/validate/email/submitToken\?\S+)", text or "")
    return m.group(1) if m else None


def token_of(text):
    m = re.search(r"code where you were asked for it: (\S+)", text or "")
    return m.group(1) if m else None
