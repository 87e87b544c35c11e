"""test_oauth_selfservice.py: local accounts people manage themselves
through the provider's pages, with a real SMTP server (aiosmtpd,
tests/peers/smtp_sink.py) receiving the codes: registration from an
authorization request with prompt=create (the code, then straight on to the
application), its refusals (a name taken here or in another store, weak
passwords, bad names, a wrong or expired code), and password recovery by
e-mail (the same answer for an unknown address, a weak password not
spending the code, every session ended by the new password)."""

import base64
import hashlib
import os
import re
import sqlite3
import urllib.parse
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt  # Debian 12's Python still has it; the hashes come from libxcrypt

from harness import Daemon, check, main, run_cli, test, tmp_dir
from validation_env import SMTP_PASSWORD, Peer, mail_files, wait_mail

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEMPLATES = os.path.join(ROOT, "etc", "templates")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
STRONG = "Brand new horse 7"

CONFIG = """
server_name: example.org
data_dir: "@DATA_DIR@"
log:
  file: "@LOG_FILE@"
listeners:
  - bind: "127.0.0.1:@PORT@"
    resources: [oauth, health]
database:
  driver: sqlite
login:
  lockout: {account_failures: 0, ip_failures: 0}
threepid:
  email:
    from: "mxgate test <noreply@example.org>"
    smtp_url: "smtp://127.0.0.1:@SMTP_PORT@"
    username: mxgate
    password_file: "@SMTP_PW_FILE@"
    connect_timeout: 2s
    timeout: 5s
    templates_dir: "@TEMPLATES@"
stores:
  - name: staff
    module: static
    users:
      - localpart: boss
        password_hash: "%s"
  - name: accounts
    module: local
oauth:
  issuer: "http://127.0.0.1:@PORT@/"
  templates_dir: "@TEMPLATES@"
  registration: @REGISTRATION@
  password_recovery: true
  clients:
    - client_id: app
      token_endpoint_auth_method: none
      skip_consent: true
      redirect_uris: ["http://127.0.0.1/cb"]
""" % crypt.crypt("boss password 1", crypt.mksalt(crypt.METHOD_SHA512))


class Env:
    def __init__(self, registration=True):
        self.dir = tmp_dir("selfservice")
        self.mail_dir = os.path.join(self.dir, "mail")
        os.makedirs(self.mail_dir)
        pw = os.path.join(self.dir, "smtp.pw")
        with open(pw, "w") as f:
            f.write(SMTP_PASSWORD + "\n")
        self.smtp = Peer("smtp_sink.py", self.mail_dir, "mxgate", SMTP_PASSWORD)
        self.d = Daemon(CONFIG, subst={"SMTP_PORT": self.smtp.port, "SMTP_PW_FILE": pw,
                                       "TEMPLATES": TEMPLATES,
                                       "REGISTRATION": "true" if registration else "false"})
        self.cookies = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            self.d.__exit__(*exc)
        finally:
            self.smtp.stop()
        return False

    def mails(self):
        return mail_files(self.mail_dir)

    def code_of_mail(self, n):
        msg = wait_mail(self.mail_dir, n)
        if msg is None:
            return None, None
        m = re.search(r"Your code: (\d{6})", msg.get_body(("plain",)).get_content())
        return (m.group(1) if m else None), msg

    def _keep(self, r):
        for k, v in r.raw_headers:
            if k.lower() == "set-cookie":
                name, value = v.split(";")[0].split("=", 1)
                if value:
                    self.cookies[name] = value
                else:
                    self.cookies.pop(name, None)
        return r

    def _h(self, extra=None):
        h = dict(extra or {})
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        return h

    def get(self, path):
        return self._keep(self.d.request("GET", path, headers=self._h()))

    def post(self, path, fields, csrf=True):
        if csrf:
            fields = dict(fields, csrf=self.cookies.get("mxgate_csrf", ""))
        return self._keep(self.d.request("POST", path, urllib.parse.urlencode(fields),
                                         headers=self._h(FORM)))


def authz():
    verifier = base64.urlsafe_b64encode(os.urandom(40)).decode().rstrip("=")
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()) \
        .decode().rstrip("=")
    return {"client_id": "app", "redirect_uri": "http://127.0.0.1:7/cb", "response_type": "code",
            "scope": "openid", "state": "st", "prompt": "create", "code_challenge": challenge,
            "code_challenge_method": "S256"}, verifier


def hidden_id(r):
    m = re.search(rb'name="id" value="([^"]*)"', r.body)
    return m.group(1).decode() if m else ""


@test
def registration_from_prompt_create():
    with Env() as e:
        meta = e.d.get("/.well-known/openid-configuration").json or {}
        check("discovery lists prompt create when registration is on",
              "create" in meta.get("prompt_values_supported", []), meta)
        q, verifier = authz()
        page = e.get("/authorize?" + urllib.parse.urlencode(q))
        check("prompt=create shows the registration page, carrying the request",
              page.status == 200 and b'action="/register"' in page.body and
              b'name="code_challenge"' in page.body, page)
        refusals = [
            ({"username": "Bad Name", "email": "x@example.org", "password": STRONG}, 400,
             b"1 to 64"),
            ({"username": "newbie", "email": "not-mail", "password": STRONG}, 400,
             b"not an e-mail"),
            ({"username": "newbie", "email": "n@example.org", "password": "short"}, 400,
             b"too short"),
            ({"username": "boss", "email": "b@example.org", "password": STRONG}, 409,
             b"is taken"),
        ]
        for fields, status, words in refusals:
            r = e.post("/register", dict(q, **fields))
            check("registration refused (%s): %d, the form again" % (words.decode(), status),
                  r.status == status and words in r.body and b'action="/register"' in r.body,
                  r)
        no_csrf = e.post("/register", dict(q, username="newbie", email="n@example.org",
                                           password=STRONG), csrf=False)
        check("registration without the CSRF token: 403", no_csrf.status == 403, no_csrf)
        check("no mail sent for any of those", len(e.mails()) == 0, e.mails())
        r = e.post("/register", dict(q, username="newbie", email="New.Bie@Example.org",
                                     password=STRONG))
        rid = hidden_id(r)
        check("a valid registration: the code page", r.status == 200 and len(rid) == 24 and
              b'action="/register/verify"' in r.body, r)
        code, msg = e.code_of_mail(1)
        check("the code came by mail to the address, with a subject",
              code is not None and msg["To"] and "new.bie@example.org" in msg["To"].lower() and
              "example.org" in msg["Subject"], msg)
        wrong = e.post("/register/verify", dict(q, id=rid, code="000000" if code != "000000"
                                                else "111111"))
        check("a wrong code: 400, the code page again",
              wrong.status == 400 and b"wrong" in wrong.body, wrong)
        done = e.post("/register/verify", dict(q, id=rid, code=code))
        loc = done.headers.get("location", "")
        check("the right code: the account exists and the authorization goes on to the "
              "application with a code", done.status == 303 and
              loc.startswith("http://127.0.0.1:7/cb?code="), done)
        tok = e.d.post("/oauth2/token", urllib.parse.urlencode({
            "grant_type": "authorization_code", "client_id": "app",
            "code": urllib.parse.parse_qs(urllib.parse.urlsplit(loc).query).get("code", [""])[0],
            "redirect_uri": "http://127.0.0.1:7/cb", "code_verifier": verifier}),
            headers=FORM)
        check("tokens for the new account", tok.status == 200 and "access_token" in tok.json,
              tok)
        bearer = {"Authorization": "Bearer " + (tok.json or {}).get("access_token", "")}
        before = e.d.get("/oauth2/userinfo", headers=bearer)
        lock = run_cli("accounts", "lock", "newbie", "-c", e.d.config_path)
        after = e.d.get("/oauth2/userinfo", headers=bearer)
        refused = e.post("/login", {"username": "newbie", "password": STRONG})
        unlock = run_cli("accounts", "unlock", "newbie", "-c", e.d.config_path)
        back = e.post("/login", {"username": "newbie", "password": STRONG})
        check("mxgate accounts lock ends the account's sessions: its token is dead at once",
              before.status == 200 and lock.returncode == 0 and "1 session" in lock.stdout and
              after.status == 401, (before, lock.stdout + lock.stderr, after))
        check("a locked account cannot log in; unlocked it can again",
              refused.status == 401 and unlock.returncode == 0 and back.status == 200,
              (refused, back))
        again = e.post("/register/verify", dict(q, id=rid, code=code))
        check("the code cannot be used twice", again.status == 400, again)
        dup = e.post("/register", dict(q, username="newbie", email="o@example.org",
                                       password=STRONG))
        check("the name is now taken", dup.status == 409, dup)
        db = sqlite3.connect(os.path.join(e.d.data_dir, "mxgate.db"))
        acct = db.execute("SELECT email, email_verified_at, hash_version FROM local_accounts"
                          " WHERE localpart = 'newbie'").fetchone()
        stored = [r[0] for r in db.execute("SELECT code_hash FROM local_account_codes")]
        db.close()
        check("stored: the canonical address, verified; the code only hashed",
              acct is not None and acct[0] == "new.bie@example.org" and acct[1] is not None and
              code not in "".join(stored), (acct, stored))
        log = e.d.log_text()
    check("no password or code in the log", STRONG not in log and code not in log, log[-1500:])


@test
def password_recovery():
    with Env() as e:
        e.get("/recover")
        r = e.post("/register", {"username": "carol", "email": "carol@example.org",
                                 "password": STRONG})
        code, _ = e.code_of_mail(1)
        e.post("/register/verify", {"id": hidden_id(r), "code": code})
        old_session = e.cookies.get("mxgate_session")
        unknown = e.post("/recover", {"email": "nobody@example.org"})
        known = e.post("/recover", {"email": "Carol@Example.org"})
        strip = lambda b: re.sub(rb'value="[^"]*"', b"", b)
        check("recovery answers the same page for an unknown address as for a known one",
              unknown.status == known.status == 200 and strip(unknown.body).replace(
                  b"nobody", b"x") == strip(known.body).replace(b"carol", b"x"),
              (unknown, known))
        code2, msg = e.code_of_mail(2)
        check("only the account's address got a code", code2 is not None and
              len(e.mails()) == 2 and "carol@example.org" in msg["To"], e.mails())
        rid = hidden_id(known)
        weak = e.post("/recover/verify", {"id": rid, "code": code2, "password": "weak"})
        check("a weak new password: 400, and the code is not spent",
              weak.status == 400 and b"too short" in weak.body, weak)
        wrong = e.post("/recover/verify", {"id": rid, "code": "123456" if code2 != "123456"
                                           else "654321", "password": "Another horse 8"})
        check("a wrong code: 400", wrong.status == 400, wrong)
        ok = e.post("/recover/verify", {"id": rid, "code": code2, "password": "Another horse 8"})
        check("the right code and a good password: done", ok.status == 200 and
              b'id="result"' in ok.body, ok)
        e.cookies["mxgate_session"] = old_session
        signed = e.get("/account")
        check("the account's browser login ended with it", b'name="password"' in signed.body,
              signed)
        login_old = e.post("/login", {"username": "carol", "password": STRONG})
        login_new = e.post("/login", {"username": "carol", "password": "Another horse 8"})
        check("the old password fails, the new one works",
              login_old.status == 401 and login_new.status == 200 and
              b"carol" in login_new.body, (login_old, login_new))
        # An expired code.
        again = e.post("/recover", {"email": "carol@example.org"})
        code3, _ = e.code_of_mail(3)
        db = sqlite3.connect(os.path.join(e.d.data_dir, "mxgate.db"))
        db.execute("UPDATE local_account_codes SET expires_at = 1 WHERE used_at IS NULL")
        db.commit()
        db.close()
        late = e.post("/recover/verify", {"id": hidden_id(again), "code": code3,
                                          "password": "Third horse 99"})
        check("an expired code: 400, start again", late.status == 400 and
              b"expired" in late.body, late)
        fourth = e.post("/recover", {"email": "carol@example.org"})
        check("a fourth recovery in ten minutes: the same page, but no mail (3 codes per "
              "address, counted in the database)",
              fourth.status == 200 and not wait_mail(e.mail_dir, 4, 2), e.mails())
        for i in range(3):
            e.post("/register", {"username": "flood%d" % i, "email": "flood@example.org",
                                 "password": STRONG})
        flood = e.post("/register", {"username": "flood9", "email": "flood@example.org",
                                     "password": STRONG})
        check("a fourth registration code for one address in ten minutes: 429",
              flood.status == 429 and b"Too many codes" in flood.body, flood)


@test
def registration_off():
    with Env(registration=False) as e:
        r = e.get("/register")
        meta = e.d.get("/.well-known/openid-configuration").json or {}
    check("registration off: /register is 404", r.status == 404, r)
    check("and prompt create is not advertised",
          "create" not in meta.get("prompt_values_supported", []), meta)


if __name__ == "__main__":
    main()
