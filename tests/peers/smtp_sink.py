"""smtp_sink.py: a real SMTP server for the tests (aiosmtpd, Debian's
python3-aiosmtpd) that writes each message it accepts to a file.

    /usr/bin/python3 tests/peers/smtp_sink.py PORT OUT_DIR [USER PASSWORD]

Each message goes to OUT_DIR/mail-N.eml (written to a temporary name, then
renamed, so a reader never sees half a message), preceded by the envelope in
OUT_DIR/mail-N.json.  With USER and PASSWORD, AUTH (PLAIN/LOGIN, no TLS)
is offered and required.  Runs until killed; the caller polls PORT."""

import json
import os
import sys
import threading
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, out_dir):
        self.out_dir = out_dir
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            n = self.count
        base = os.path.join(self.out_dir, "mail-%d" % n)
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                "login": getattr(session, "mxg_login", None)}
        with open(base + ".json.tmp", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".json.tmp", base + ".json")
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 Message accepted for delivery"


def main():
    port, out_dir = int(sys.argv[1]), sys.argv[2]
    user = sys.argv[3].encode() if len(sys.argv) > 4 else None
    password = sys.argv[4].encode() if len(sys.argv) > 4 else None
    kw = {}
    if user is not None:
        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword) and auth_data.login == user and
                  auth_data.password == password)
            if ok:
                session.mxg_login = auth_data.login.decode()
            return AuthResult(success=ok)
        kw = dict(authenticator=authenticator, auth_require_tls=False, auth_required=True)
    # aiosmtpd warns that AUTH without TLS is unsafe: on 127.0.0.1 in a test
    # that is the point (mxgate's SMTP AUTH is checked without a CA).
    warnings.filterwarnings("ignore")
    controller = Controller(Sink(out_dir), hostname="127.0.0.1", port=port, **kw)
    controller.start()
    threading.Event().wait()


if __name__ == "__main__":
    main()
