"""iam.py: an IAM service speaking ma1sd's REST backend protocol, for the
tests of mxgate's `rest` store module (stdlib only).

    /usr/bin/python3 tests/peers/iam.py PORT DATA_FILE [options]

DATA_FILE is JSON:

    {"domain": "example.org",
     "people": [{"localpart": "alice", "password": "...", "display_name": "Alice",
                 "threepids": [{"medium": "email", "address": "alice@example.org"}]}]}

Endpoints (all POST, JSON in and out), exactly as ma1sd's IAMs serve them:
    /_ma1sd/backend/api/v1/auth/login              auth
    /_ma1sd/backend/api/v1/directory/user/search   directory (by name | threepid)
    /_ma1sd/backend/api/v1/identity/single         one 3PID
    /_ma1sd/backend/api/v1/identity/bulk           many 3PIDs
    /_ma1sd/backend/api/v1/profile/displayName     display name
    /_ma1sd/backend/api/v1/profile/threepids       3PIDs
plus mxgate's extension, paged:
    /_mxgate/backend/api/v1/identity/enumerate     {"since", "limit"} ->
                                                   {"threepids": [...], "next"}

Knobs, as options at start or at any time through the control endpoint
(POST /_control/set with a JSON object of the same names; not subject to
any of them):
    --delay SECONDS      wait before every answer (timeouts)
    --mode MODE          normal | garbage (200, not JSON) | wrongtypes (200,
                         JSON whose fields have the wrong types) | 500
    --bearer TOKEN       require "Authorization: Bearer TOKEN"
    --basic USER:PW      require HTTP basic authentication
                         (either: otherwise 401 with WWW-Authenticate)
    --deny-status N      answer a wrong password with HTTP N (401, 403)
                         instead of 200 {"auth": {"success": false}}
    --no-enumerate       answer the enumerate endpoint 404 (an IAM written
                         for ma1sd)
    --tls CERT KEY       serve HTTPS with this PEM certificate and key
                         (options only)
The request log: GET /_control/log gives every protocol request received,
in order, as [{"path", "authorization", "body"}] (body parsed when JSON);
POST /_control/clear empties it.  Runs until killed; the caller polls PORT.
"""

import argparse
import base64
import json
import re
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

V1 = "/_ma1sd/backend/api/v1"
ENUMERATE = "/_mxgate/backend/api/v1/identity/enumerate"

LOCK = threading.Lock()
LOG = []
KNOBS = {"delay": 0.0, "mode": "normal", "bearer": None, "basic": None,
         "deny_status": None, "enumerate": True}
DATA = {"domain": "example.org", "people": []}


def canonical(medium, address):
    if medium == "email":
        return address.strip().lower()
    if medium == "msisdn":
        return re.sub(r"[^0-9]", "", address)
    return None


def people():
    return DATA["people"]


def mxid(person):
    return "@%s:%s" % (person["localpart"], DATA["domain"])


def by_localpart(localpart):
    for p in people():
        if p["localpart"] == localpart:
            return p
    return None


def by_3pid(medium, address):
    want = canonical(medium, address or "")
    for p in people():
        for t in p.get("threepids", []):
            if t["medium"] == medium and canonical(medium, t["address"]) == want:
                return p
    return None


def who(body):
    """The person a profile or auth request names (by localpart or mxid)."""
    lp = body.get("localpart")
    if not lp and isinstance(body.get("mxid"), str):
        lp = body["mxid"][1:].split(":", 1)[0]
    return by_localpart(lp) if isinstance(lp, str) else None


# --- the protocol -------------------------------------------------------------------

def auth(body):
    req = body.get("auth") or {}
    p = who(req)
    if p is None or p.get("password") != req.get("password") or not req.get("password"):
        if KNOBS["deny_status"]:
            return KNOBS["deny_status"], {"error": "denied"}
        return 200, {"auth": {"success": False}}
    return 200, {"auth": {"success": True,
                          "id": {"type": "localpart", "value": p["localpart"]},
                          "profile": {"display_name": p.get("display_name"),
                                      "three_pids": p.get("threepids", [])}}}


def directory(body):
    term = str(body.get("search_term", "")).lower()
    results = []
    for p in people():
        if body.get("by") == "threepid":
            hit = any(term in t["address"].lower() for t in p.get("threepids", []))
            # By 3PID, full Matrix IDs; by name, localparts (both are allowed).
            uid = mxid(p)
        else:
            hit = term in p["localpart"].lower() or term in (p.get("display_name") or "").lower()
            uid = p["localpart"]
        if hit:
            results.append({"user_id": uid, "display_name": p.get("display_name"),
                            "avatar_url": p.get("avatar_url", "")})
    return 200, {"limited": False, "results": results}


def found(medium, address):
    p = by_3pid(medium, address)
    if p is None:
        return None
    return {"medium": medium, "address": address, "id": {"type": "mxid", "value": mxid(p)}}


def single(body):
    q = body.get("lookup") or {}
    hit = found(q.get("medium"), q.get("address"))
    return 200, ({"lookup": hit} if hit else {})


def bulk(body):
    out = []
    for q in body.get("lookup") or []:
        hit = found(q.get("medium"), q.get("address"))
        if hit:
            out.append(hit)
    return 200, {"lookup": out}


def display_name(body):
    p = who(body)
    return 200, ({"profile": {"display_name": p.get("display_name")}} if p else {})


def threepids(body):
    p = who(body)
    return 200, ({"profile": {"threepids": p.get("threepids", [])}} if p else {})


def enumerate_(body):
    if not KNOBS["enumerate"]:
        return 404, {"errcode": "M_NOT_FOUND", "error": "no such endpoint"}
    flat = [{"medium": t["medium"], "address": t["address"],
             "id": {"type": "localpart", "value": p["localpart"]}}
            for p in people() for t in p.get("threepids", [])]
    since = body.get("since")
    start = int(since.split(":", 1)[1]) if isinstance(since, str) else 0
    limit = int(body.get("limit") or 1000)
    page = flat[start:start + limit]
    nxt = "offset:%d" % (start + limit) if start + limit < len(flat) else None
    return 200, {"threepids": page, "next": nxt}


ROUTES = {
    V1 + "/auth/login": auth,
    V1 + "/directory/user/search": directory,
    V1 + "/identity/single": single,
    V1 + "/identity/bulk": bulk,
    V1 + "/profile/displayName": display_name,
    V1 + "/profile/threepids": threepids,
    ENUMERATE: enumerate_,
}

WRONG_TYPES = {"auth": {"success": "yes", "id": ["alice"]}, "lookup": "nobody",
               "limited": "no", "results": {"user_id": 1}, "profile": ["x"],
               "threepids": {"medium": 1}, "next": 5}


# --- HTTP -------------------------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    def send_json(self, status, obj, headers=()):
        data = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # mxgate gave up waiting (the delay knob): expected

    def read_body(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            return raw, json.loads(raw.decode("utf-8"))
        except ValueError:
            return raw, None

    def do_GET(self):
        if self.path == "/_control/log":
            with LOCK:
                return self.send_json(200, list(LOG))
        self.send_json(404, {"errcode": "M_NOT_FOUND"})

    def refused(self):
        """The WWW-Authenticate answer when mxgate's own credentials are wrong."""
        got = self.headers.get("Authorization")
        if KNOBS["bearer"] and got != "Bearer " + KNOBS["bearer"]:
            return ("WWW-Authenticate", 'Bearer realm="iam"')
        if KNOBS["basic"]:
            want = "Basic " + base64.b64encode(KNOBS["basic"].encode()).decode()
            if got != want:
                return ("WWW-Authenticate", 'Basic realm="iam"')
        return None

    def do_POST(self):
        raw, body = self.read_body()
        if self.path == "/_control/set":
            with LOCK:
                KNOBS.update(body or {})
            return self.send_json(200, KNOBS)
        if self.path == "/_control/clear":
            with LOCK:
                LOG.clear()
            return self.send_json(200, {})
        with LOCK:
            LOG.append({"path": self.path, "authorization": self.headers.get("Authorization"),
                        "body": body if body is not None else raw.decode("utf-8", "replace")})
            knobs = dict(KNOBS)
        if knobs["delay"]:
            time.sleep(float(knobs["delay"]))
        challenge = self.refused()
        if challenge:
            return self.send_json(401, {"error": "unauthorized"}, [challenge])
        if knobs["mode"] == "500":
            return self.send_json(500, {"error": "internal"})
        if knobs["mode"] == "garbage":
            return self.send_json(200, b"<html>this is not JSON</html>")
        if knobs["mode"] == "wrongtypes":
            return self.send_json(200, WRONG_TYPES)
        route = ROUTES.get(self.path)
        if route is None or not isinstance(body, dict):
            return self.send_json(404 if route is None else 400, {"error": "no"})
        status, answer = route(body)
        self.send_json(status, answer)

    def log_message(self, fmt, *args):
        pass


def main():
    ap = argparse.ArgumentParser(description="ma1sd REST backend IAM for tests")
    ap.add_argument("port", type=int)
    ap.add_argument("data_file")
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--mode", default="normal", choices=["normal", "garbage", "wrongtypes", "500"])
    ap.add_argument("--bearer")
    ap.add_argument("--basic")
    ap.add_argument("--deny-status", type=int)
    ap.add_argument("--no-enumerate", action="store_true")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    args = ap.parse_args()
    with open(args.data_file) as f:
        DATA.update(json.load(f))
    KNOBS.update({"delay": args.delay, "mode": args.mode, "bearer": args.bearer,
                  "basic": args.basic, "deny_status": args.deny_status,
                  "enumerate": not args.no_enumerate})
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
