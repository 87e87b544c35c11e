"""test_validation.py: 3PID validation end to end: e-mail through a real SMTP
server (aiosmtpd, tests/peers/smtp_sink.py) with the token read from the
delivered mail, SMS through a gateway peer (tests/peers/sms_gateway.py),
submitToken by POST and by GET (page and redirect), the session rules
(send_attempt, wrong tokens, expiry) and getValidated3pid."""

import re
import time
import urllib.parse

from harness import check, main, test, wait_for
from validation_env import (SMS_PASSWORD, SMTP_PASSWORD, V2, Env, auth, link_of, parts,
                            token_of)


@test
def email_flow():
    with Env() as env:
        d = env.daemon
        r = env.request_email("Alice@Example.org", "secret.1=a_b-c", 1,
                              next_link="https://app.example.org/done?x=1")
        check("requestToken answers 200 {sid}", r.status == 200 and "sid" in (r.json or {}), r)
        sid = (r.json or {}).get("sid", "")
        check("sid is random [A-Za-z0-9], 24+ chars",
              re.fullmatch(r"[A-Za-z0-9]{24,}", sid) is not None, sid)
        msg = env.wait_mail(1)
        if not check("the mail was delivered to the SMTP server", msg is not None, d.log_tail()):
            return
        env_ = env.envelope(1)
        check("envelope: from and canonical recipient",
              env_["mail_from"] == "noreply@example.org" and
              env_["rcpt_tos"] == ["alice@example.org"], env_)
        check("SMTP AUTH with the password from password_file", env_["login"] == "mxgate", env_)
        check("Subject from the template", "Validate your e-mail address on example.org"
              in str(msg["subject"]), msg["subject"])
        check("multipart/alternative", msg.get_content_type() == "multipart/alternative",
              msg.get_content_type())
        text, html = parts(msg)
        check("text and HTML parts", text is not None and html is not None, msg)
        link, token = link_of(text), token_of(text)
        check("the mail holds the link and the token", link is not None and token is not None,
              text)
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(link or "").query)
        check("link: v2 submitToken on public_baseurl with sid, client_secret, token only",
              (link or "").startswith("http://127.0.0.1:%d/_matrix/identity/v2/" % d.port) and
              sorted(q) == ["client_secret", "sid", "token"] and q["sid"] == [sid] and
              q["client_secret"] == ["secret.1=a_b-c"] and q["token"] == [token], link)
        check("HTML part escapes the link", "&amp;client_secret=" in (html or ""), html)

        r = env.get("/3pid/getValidated3pid?sid=%s&client_secret=secret.1%%3Da_b-c" % sid)
        check("getValidated3pid before: 400 M_SESSION_NOT_VALIDATED",
              r.status == 400 and (r.json or {}).get("errcode") == "M_SESSION_NOT_VALIDATED", r)

        path = link[link.index("/_matrix"):]
        r = d.get(path)
        check("GET submitToken with next_link: 302 to next_link",
              r.status == 302 and r.headers.get("location") == "https://app.example.org/done?x=1",
              r)
        r = env.get("/3pid/getValidated3pid?sid=%s&client_secret=secret.1%%3Da_b-c" % sid)
        check("getValidated3pid after: medium, address, validated_at",
              r.status == 200 and (r.json or {}).get("medium") == "email" and
              r.json.get("address") == "alice@example.org" and
              isinstance(r.json.get("validated_at"), int) and
              abs(r.json["validated_at"] / 1000 - time.time()) < 300, r)
        r = env.post("/validate/email/submitToken",
                     {"sid": sid, "client_secret": "secret.1=a_b-c", "token": token})
        check("POST submitToken again: {success: true}",
              r.status == 200 and r.json == {"success": True}, r)
        log = d.log_text()
        check("no token, client secret or password in the log",
              token not in log and "secret.1=a_b-c" not in log and SMTP_PASSWORD not in log,
              d.log_tail())


@test
def email_submit_post_and_page():
    with Env() as env:
        d = env.daemon
        r = env.request_email("bob@example.org", "s2", 1)
        sid = (r.json or {}).get("sid")
        text, _ = parts(env.wait_mail(1))
        token = token_of(text)
        r = env.post("/validate/email/submitToken",
                     {"sid": sid, "client_secret": "s2", "token": "wrong"})
        check("POST wrong token: 400 M_TOKEN_INCORRECT",
              r.status == 400 and (r.json or {}).get("errcode") == "M_TOKEN_INCORRECT", r)
        r = env.post("/validate/email/submitToken",
                     {"sid": sid, "client_secret": "other", "token": token})
        check("POST wrong client_secret: 404 M_NO_VALID_SESSION",
              r.status == 404 and (r.json or {}).get("errcode") == "M_NO_VALID_SESSION", r)
        r = env.post("/validate/email/submitToken",
                     {"sid": sid, "client_secret": "bad secret", "token": token})
        check("POST malformed client_secret: 400 M_INVALID_PARAM",
              r.status == 400 and (r.json or {}).get("errcode") == "M_INVALID_PARAM", r)
        r = env.post("/validate/email/submitToken", {"sid": sid, "client_secret": "s2"})
        check("POST without token: 400 M_MISSING_PARAMS",
              r.status == 400 and (r.json or {}).get("errcode") == "M_MISSING_PARAMS", r)
        r = d.get(V2 + "/validate/email/submitToken?sid=%s&client_secret=s2&token=nope" % sid)
        check("GET wrong token: an HTML error page",
              r.status == 400 and r.headers.get("content-type", "").startswith("text/html"), r)
        r = d.get(V2 + "/validate/email/submitToken?sid=%s&client_secret=s2&token=%s"
                  % (sid, token))
        check("GET right token, no next_link: 200 HTML page",
              r.status == 200 and r.headers.get("content-type", "").startswith("text/html") and
              b"validated" in r.body, r)
        r = env.post("/validate/email/submitToken",
                     {"sid": sid, "client_secret": "s2", "token": token})
        check("POST after GET: {success: true}",
              r.status == 200 and r.json == {"success": True}, r)


@test
def too_many_wrong_tokens():
    with Env() as env:
        r = env.request_email("carol@example.org", "s3", 1)
        sid = (r.json or {}).get("sid")
        text, _ = parts(env.wait_mail(1))
        token = token_of(text)
        codes = []
        for i in range(3):
            r = env.post("/validate/email/submitToken",
                         {"sid": sid, "client_secret": "s3", "token": "bad%d" % i})
            codes.append((r.status, (r.json or {}).get("errcode")))
        check("three wrong tokens: M_TOKEN_INCORRECT each",
              codes == [(400, "M_TOKEN_INCORRECT")] * 3, codes)
        r = env.post("/validate/email/submitToken",
                     {"sid": sid, "client_secret": "s3", "token": token})
        check("then even the right token: 404 M_NO_VALID_SESSION",
              r.status == 404 and (r.json or {}).get("errcode") == "M_NO_VALID_SESSION", r)


@test
def expired_session():
    with Env(lifetime="300ms") as env:
        r = env.request_email("dave@example.org", "s4", 1)
        sid = (r.json or {}).get("sid")
        text, _ = parts(env.wait_mail(1))
        token = token_of(text)
        deadline = time.monotonic() + 0.35
        # The session outlives 300 ms of wall time; wait on the clock, not a sleep.
        wait_for(lambda: time.monotonic() > deadline, 2)
        r = env.post("/validate/email/submitToken",
                     {"sid": sid, "client_secret": "s4", "token": token})
        check("submit after session_lifetime: 400 M_SESSION_EXPIRED",
              r.status == 400 and (r.json or {}).get("errcode") == "M_SESSION_EXPIRED", r)
        r = env.get("/3pid/getValidated3pid?sid=%s&client_secret=s4" % sid)
        check("getValidated3pid: 400 M_SESSION_EXPIRED",
              r.status == 400 and (r.json or {}).get("errcode") == "M_SESSION_EXPIRED", r)
        r = env.request_email("dave@example.org", "s4", 1)
        check("requestToken on an expired session: a new sid, a new mail",
              r.status == 200 and r.json.get("sid") != sid and env.wait_mail(2) is not None, r)


@test
def send_attempt_retry():
    with Env() as env:
        r1 = env.request_email("erin@example.org", "s5", 1)
        check("first requestToken", r1.status == 200, r1)
        env.wait_mail(1)
        r2 = env.request_email("erin@example.org", "s5", 1)
        r3 = env.request_email("erin@example.org", "s5", "1")
        check("same send_attempt (int, then string): same sid",
              r2.status == 200 and r3.status == 200 and
              r1.json.get("sid") == r2.json.get("sid") == r3.json.get("sid"), (r1, r2, r3))
        r4 = env.request_email("erin@example.org", "s5", "2")
        check("send_attempt \"2\" (string, as matrix-js-sdk sends): same sid, a new mail",
              r4.status == 200 and r4.json.get("sid") == r1.json.get("sid") and
              env.wait_mail(2) is not None, r4)
        # Let any stray third mail arrive before counting (the sink writes
        # each one before answering 250, so mail 2 being there means the
        # daemon is done with requests 2..4).
        check("no mail for the retries: exactly two", len(env.mails()) == 2, env.mails())
        r = env.request_email("erin@example.org", "s5", "x")
        check("send_attempt not a number: 400 M_INVALID_PARAM",
              r.status == 400 and (r.json or {}).get("errcode") == "M_INVALID_PARAM", r)


@test
def request_token_errors():
    with Env() as env:
        cases = [
            ("bad client_secret", {"client_secret": "a b", "email": "x@example.org",
                                   "send_attempt": 1}, 400, "M_INVALID_PARAM"),
            ("long client_secret", {"client_secret": "a" * 256, "email": "x@example.org",
                                    "send_attempt": 1}, 400, "M_INVALID_PARAM"),
            ("not an e-mail", {"client_secret": "s", "email": "nobody", "send_attempt": 1},
             400, "M_INVALID_EMAIL"),
            ("header injection", {"client_secret": "s", "email": "a@b.org\r\nBcc: c@d.org",
                                  "send_attempt": 1}, 400, "M_INVALID_EMAIL"),
            ("javascript next_link", {"client_secret": "s", "email": "x@example.org",
                                      "send_attempt": 1, "next_link": "javascript:alert(1)"},
             400, "M_INVALID_PARAM"),
            ("file next_link", {"client_secret": "s", "email": "x@example.org",
                                "send_attempt": 1, "next_link": "file:///etc/passwd"},
             400, "M_INVALID_PARAM"),
            ("missing email", {"client_secret": "s", "send_attempt": 1}, 400,
             "M_MISSING_PARAMS"),
            ("missing send_attempt", {"client_secret": "s", "email": "x@example.org"}, 400,
             "M_MISSING_PARAMS"),
            ("negative send_attempt", {"client_secret": "s", "email": "x@example.org",
                                       "send_attempt": -1}, 400, "M_INVALID_PARAM"),
        ]
        for name, body, status, errcode in cases:
            r = env.post("/validate/email/requestToken", body)
            check("requestToken %s: %d %s" % (name, status, errcode),
                  r.status == status and (r.json or {}).get("errcode") == errcode, r)
        r = env.post("/validate/email/requestToken", "not json")
        check("requestToken not JSON: 400", r.status == 400, r)
        check("no mail for any of them", env.mails() == [], env.mails())
        for q in ("sid=nosuch&client_secret=s", "sid=&client_secret=s", "client_secret=s"):
            r = env.get("/3pid/getValidated3pid?" + q)
            want = (404, "M_NO_VALID_SESSION") if q.startswith("sid=nosuch") else \
                (400, "M_INVALID_PARAM") if q.startswith("sid=&") else (400, "M_MISSING_PARAMS")
            check("getValidated3pid %s: %d %s" % (q, want[0], want[1]),
                  (r.status, (r.json or {}).get("errcode")) == want, r)
        r = env.daemon.get(V2 + "/validate/email/submitToken?sid=x")
        check("GET submitToken incomplete link: 400 HTML page",
              r.status == 400 and r.headers.get("content-type", "").startswith("text/html"), r)


@test
def smtp_down():
    with Env(smtp=False) as env:
        start = time.monotonic()
        r = env.request_email("frank@example.org", "s6", 1)
        took = time.monotonic() - start
        check("SMTP server down: 500 M_EMAIL_SEND_ERROR",
              r.status == 500 and (r.json or {}).get("errcode") == "M_EMAIL_SEND_ERROR", r)
        check("within the timeouts (< 7 s)", took < 7, took)
        log = env.daemon.log_text()
        check("the SMTP error is logged, never the password",
              "not sent" in log and SMTP_PASSWORD not in log, env.daemon.log_tail())


@test
def msisdn_flow():
    with Env() as env:
        r = env.post("/validate/msisdn/requestToken",
                     {"client_secret": "m1", "country": "GB", "phone_number": "07700 900123",
                      "send_attempt": "1"})
        check("msisdn requestToken: 200 {sid, msisdn}",
              r.status == 200 and (r.json or {}).get("msisdn") == "447700900123" and
              "sid" in r.json, r)
        sid = (r.json or {}).get("sid")
        sms = wait_for(lambda: env.sms_records(), 10)
        if not check("the gateway got one form POST", sms and len(sms) == 1, sms):
            return
        rec = sms[0]
        check("gateway: path, form content type",
              rec["path"] == "/2010-04-01/Messages.json" and
              rec["content_type"] == "application/x-www-form-urlencoded", rec)
        import base64
        check("gateway: basic auth from password_file",
              rec["authorization"] == "Basic " +
              base64.b64encode(("acct:" + SMS_PASSWORD).encode()).decode(), rec)
        check("gateway: To (+E.164) and From",
              rec["form"].get("To") == "+447700900123" and rec["form"].get("From") == "MXGATE",
              rec)
        m = re.search(r"\b(\d{6})\b", rec["form"].get("Body", ""))
        check("gateway: Body holds a 6-digit token", m is not None, rec)
        token = m.group(1) if m else "000000"
        r = env.post("/validate/msisdn/requestToken",
                     {"client_secret": "m1", "country": "GB", "phone_number": "+44 7700 900123",
                      "send_attempt": 1})
        check("msisdn retry, same number other spelling: same sid, no SMS",
              r.status == 200 and r.json.get("sid") == sid and len(env.sms_records()) == 1, r)
        r = env.post("/validate/email/submitToken",
                     {"sid": sid, "client_secret": "m1", "token": token})
        check("the msisdn sid on the email submitToken: 404",
              r.status == 404 and (r.json or {}).get("errcode") == "M_NO_VALID_SESSION", r)
        r = env.post("/validate/msisdn/submitToken",
                     {"sid": sid, "client_secret": "m1", "token": token})
        check("msisdn submitToken: {success: true}",
              r.status == 200 and r.json == {"success": True}, r)
        r = env.get("/3pid/getValidated3pid?sid=%s&client_secret=m1" % sid)
        check("getValidated3pid: msisdn 447700900123",
              r.status == 200 and r.json.get("medium") == "msisdn" and
              r.json.get("address") == "447700900123", r)
        for name, body, errcode in (
                ("unknown country", {"country": "XX", "phone_number": "07700 900123"},
                 "M_INVALID_ADDRESS"),
                ("not a number", {"country": "GB", "phone_number": "call me"},
                 "M_INVALID_ADDRESS"),
                ("missing country", {"phone_number": "07700 900123"}, "M_MISSING_PARAMS")):
            body.update({"client_secret": "m2", "send_attempt": 1})
            r = env.post("/validate/msisdn/requestToken", body)
            check("msisdn requestToken %s: 400 %s" % (name, errcode),
                  r.status == 400 and (r.json or {}).get("errcode") == errcode, r)
        check("no password in the log", SMS_PASSWORD not in env.daemon.log_text(),
              env.daemon.log_tail())


@test
def msisdn_gateway_fails():
    with Env(sms_status=500) as env:
        r = env.post("/validate/msisdn/requestToken",
                     {"client_secret": "m3", "country": "US", "phone_number": "415 555 0100",
                      "send_attempt": 1})
        check("gateway answers 500: 500 M_SEND_ERROR",
              r.status == 500 and (r.json or {}).get("errcode") == "M_SEND_ERROR", r)
        check("the gateway was asked once, with +14155550100",
              [x["form"].get("To") for x in env.sms_records()] == ["+14155550100"],
              env.sms_records())


@test
def request_and_submit_rate_limited():
    limits = ("  request_token: {per_second: 0.01, burst: 2}\n"
              "  submit_token: {per_second: 0.01, burst: 3}\n  register: {per_second: 0}")
    with Env(rate_limits=limits) as env:
        d = env.daemon
        codes = [d.post(V2 + "/validate/email/requestToken",
                        {"client_secret": "s%d" % i, "email": "x%d@example.org" % i,
                         "send_attempt": 1}, headers=auth(d)).status for i in range(3)]
        check("requestToken: the burst passes, then 429", codes == [200, 200, 429], codes)
        body = {"sid": "nosuchsession", "client_secret": "s", "token": "123456"}
        codes = [d.post(V2 + "/validate/email/submitToken", body, headers=auth(d)).status
                 for _ in range(4)]
        check("submitToken: guesses beyond the burst get 429", codes[-1] == 429, codes)
        r = d.get(V2 + "/validate/email/submitToken?sid=nosuchsession&client_secret=s&token=1")
        check("the link (GET) counts against the same limit", r.status == 429, r)


@test
def authentication_required():
    with Env() as env:
        d = env.daemon
        body = {"client_secret": "s3cr3t", "email": "carol@example.org", "send_attempt": 1}
        for path in ("/validate/email/requestToken", "/validate/email/submitToken"):
            r = d.post(V2 + path, body)
            check("%s without a token: 401 M_UNAUTHORIZED" % path,
                  r.status == 401 and (r.json or {}).get("errcode") == "M_UNAUTHORIZED", r)
        r = d.post(V2 + "/validate/email/requestToken", body,
                   headers={"Authorization": "Bearer not-a-real-token"})
        check("requestToken with an unknown token: 401", r.status == 401, r)
        r = d.get(V2 + "/3pid/getValidated3pid?sid=x&client_secret=y")
        check("getValidated3pid without a token: 401", r.status == 401, r)
        r = d.post(V2 + "/validate/email/requestToken", body, headers=auth(d))
        check("requestToken with a registered token: 200", r.status == 200, r)


if __name__ == "__main__":
    main()
