"""sms_gateway.py: a Twilio-style SMS gateway for the tests (stdlib only).

    /usr/bin/python3 tests/peers/sms_gateway.py PORT OUT_FILE [STATUS]

Each POST is appended to OUT_FILE as one JSON line: path, the
Authorization header, Content-Type and the decoded form fields.  It answers
STATUS (default 201) with a small JSON body.  Runs until killed; the caller
polls PORT."""

import json
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OUT = None
STATUS = 201


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace")
        record = {"path": self.path, "authorization": self.headers.get("Authorization"),
                  "content_type": self.headers.get("Content-Type"),
                  "form": {k: v[0] for k, v in urllib.parse.parse_qs(body).items()}}
        with open(OUT, "a") as f:
            f.write(json.dumps(record) + "\n")
        reply = json.dumps({"sid": "SM0001", "status": "queued"}).encode()
        self.send_response(STATUS)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, fmt, *args):
        pass


def main():
    global OUT, STATUS
    port, OUT = int(sys.argv[1]), sys.argv[2]
    if len(sys.argv) > 3:
        STATUS = int(sys.argv[3])
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    main()
