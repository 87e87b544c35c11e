"""standin.py: what plugins/synapse/mxgate_auth_provider.py meets in Synapse,
without Synapse: a ModuleApi stand-in that keeps accounts, profiles and
3PIDs in memory and records every call, and a check_credentials stand-in
(a real HTTP server on loopback speaking mxgate's protocol) whose answers a
test can bend (status, delay, raw body).

The ModuleApi stand-in follows Synapse's public methods and their quirks:
register_user refuses upper-case and taken localparts (SynapseError),
check_user_exists is case-insensitive and answers the canonical ID,
set_displayname wants a UserID object, defer_to_thread runs in a thread,
and the only way to change account 3PIDs after registration is the
AuthHandler behind the API (add_threepid / delete_local_threepid).

When Synapse is not installed, a minimal synapse.module_api (UserID) and
synapse.module_api.errors (ConfigError) are put in sys.modules, so the
module takes the same paths as inside Synapse.
"""

import asyncio
import json
import os
import re
import sys
import threading
import types
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODULE_DIR = os.path.join(ROOT, "plugins", "synapse")
if MODULE_DIR not in sys.path:
    sys.path.insert(0, MODULE_DIR)

CHECK_PATH = "/_matrix-internal/identity/v1/check_credentials"


# --- a minimal synapse package (only when the real one is absent) ---------

class ConfigError(Exception):
    """synapse.config.ConfigError's shape: msg and path."""

    def __init__(self, msg, path=None):
        super().__init__(msg)
        self.msg = msg
        self.path = path


class SynapseError(Exception):
    def __init__(self, code, msg, errcode="M_UNKNOWN"):
        super().__init__("%d: %s" % (code, msg))
        self.code = code
        self.msg = msg
        self.errcode = errcode


class UserID:
    def __init__(self, localpart, domain):
        self.localpart = localpart
        self.domain = domain

    @classmethod
    def from_string(cls, s):
        if not s.startswith("@") or ":" not in s:
            raise SynapseError(400, "invalid user id %r" % s)
        local, _, domain = s[1:].partition(":")
        return cls(local, domain)

    def to_string(self):
        return "@%s:%s" % (self.localpart, self.domain)

    def __eq__(self, other):
        return isinstance(other, UserID) and self.to_string() == other.to_string()

    def __hash__(self):
        return hash(self.to_string())


def install_fake_synapse():
    try:
        import synapse.module_api  # noqa: F401  (a real Synapse: use it)
        return False
    except ImportError:
        pass
    pkg = types.ModuleType("synapse")
    pkg.__path__ = []
    api = types.ModuleType("synapse.module_api")
    api.__path__ = []
    api.UserID = UserID
    errors = types.ModuleType("synapse.module_api.errors")
    errors.ConfigError = ConfigError
    errors.SynapseError = SynapseError
    api.errors = errors
    pkg.module_api = api
    sys.modules.update({"synapse": pkg, "synapse.module_api": api,
                        "synapse.module_api.errors": errors})
    return True


FAKE_SYNAPSE = install_fake_synapse()


# --- ModuleApi -------------------------------------------------------------

class ProfileInfo:
    def __init__(self, display_name, avatar_url=None):
        self.display_name = display_name
        self.avatar_url = avatar_url


class Account:
    def __init__(self, user_id, display_name):
        self.user_id = user_id
        self.display_name = display_name
        self.threepids = []  # [{"medium", "address", "validated_at", "added_at"}]


_LOCALPART_OK = re.compile(r"^[a-z0-9._=\-/+]+$")  # Synapse's rule for new users


class AuthHandlerStandin:
    """The two AuthHandler methods Synapse's admin API uses for account 3PIDs."""

    def __init__(self, api):
        self._api = api

    async def add_threepid(self, user_id, medium, address, validated_at):
        await asyncio.sleep(0)
        if medium not in ("email", "msisdn"):
            raise SynapseError(400, "'%s' is not a valid value for 'medium'" % medium)
        if medium == "email":
            address = address.strip().lower()
        for acc in self._api.accounts.values():
            if any(t["medium"] == medium and t["address"] == address for t in acc.threepids):
                raise SynapseError(400, "3PID already in use", "M_THREEPID_IN_USE")
        self._api.calls.append(("add_threepid", user_id, medium, address))
        self._api.accounts[user_id].threepids.append(
            {"medium": medium, "address": address, "validated_at": validated_at,
             "added_at": self._api.get_current_time_msec()})

    async def delete_local_threepid(self, user_id, medium, address):
        await asyncio.sleep(0)
        if medium == "email":
            address = address.strip().lower()
        self._api.calls.append(("delete_local_threepid", user_id, medium, address))
        acc = self._api.accounts[user_id]
        acc.threepids = [t for t in acc.threepids
                         if not (t["medium"] == medium and t["address"] == address)]


class ModuleApiStandin:
    """Records .calls (tuples) and keeps .accounts (user ID -> Account)."""

    def __init__(self, server_name="example.org"):
        self.server_name = server_name
        self.accounts = {}
        self.calls = []
        self.callbacks = None
        self.threads_used = 0
        self._auth_handler = AuthHandlerStandin(self)

    # registration-time

    def register_password_auth_provider_callbacks(self, **callbacks):
        self.calls.append(("register_password_auth_provider_callbacks",
                           tuple(sorted(callbacks))))
        self.callbacks = callbacks

    # any time

    def get_qualified_user_id(self, username):
        if username.startswith("@"):
            return username
        return "@%s:%s" % (username, self.server_name)

    async def check_user_exists(self, user_id):
        await asyncio.sleep(0)
        for uid in self.accounts:
            if uid.lower() == user_id.lower():
                return uid
        return None

    async def register_user(self, localpart, displayname=None, emails=None, admin=False):
        await asyncio.sleep(0)
        self.calls.append(("register_user", localpart, displayname, list(emails or [])))
        if not _LOCALPART_OK.match(localpart):
            raise SynapseError(400, "User ID can only contain characters a-z, 0-9, or "
                               "'=_-./+'", "M_INVALID_USERNAME")
        user_id = "@%s:%s" % (localpart, self.server_name)
        if await self.check_user_exists(user_id):
            raise SynapseError(400, "User ID already taken.", "M_USER_IN_USE")
        self.accounts[user_id] = Account(user_id, displayname or localpart)
        for email in emails or []:
            self.accounts[user_id].threepids.append(
                {"medium": "email", "address": email.lower(),
                 "validated_at": self.get_current_time_msec(),
                 "added_at": self.get_current_time_msec()})
        return user_id

    async def get_profile_for_user(self, localpart):
        await asyncio.sleep(0)
        acc = self.accounts.get("@%s:%s" % (localpart, self.server_name))
        return ProfileInfo(acc.display_name if acc else None)

    async def set_displayname(self, user_id, new_displayname, deactivation=False):
        await asyncio.sleep(0)
        if not hasattr(user_id, "to_string"):
            raise TypeError("set_displayname wants a UserID, got %r" % (user_id,))
        uid = user_id.to_string()
        self.calls.append(("set_displayname", uid, new_displayname))
        self.accounts[uid].display_name = new_displayname

    async def get_threepids_for_user(self, user_id):
        await asyncio.sleep(0)
        return [dict(t) for t in self.accounts[user_id].threepids]

    async def defer_to_thread(self, f, *args, **kwargs):
        self.threads_used += 1
        return await asyncio.to_thread(f, *args, **kwargs)

    def get_current_time_msec(self):
        return 1700000000000

    # for tests

    def add_account(self, user_id, display_name=None, threepids=()):
        acc = Account(user_id, display_name or user_id[1:].split(":")[0])
        for medium, address in threepids:
            acc.threepids.append({"medium": medium, "address": address,
                                  "validated_at": 1, "added_at": 1})
        self.accounts[user_id] = acc
        return acc

    def threepid_set(self, user_id):
        return {(t["medium"], t["address"]) for t in self.accounts[user_id].threepids}

    def calls_named(self, name):
        return [c for c in self.calls if c[0] == name]


# --- check_credentials -----------------------------------------------------

class Person:
    def __init__(self, user_id, password, display_name=None, threepids=()):
        self.user_id = user_id
        self.password = password
        self.display_name = display_name
        self.threepids = list(threepids)


class CheckCredentialsStandin:
    """mxgate's POST /_matrix-internal/identity/v1/check_credentials on a
    free loopback port.  Knobs (attributes, change them any time):
      status, raw: answer this status / these bytes instead of the verdict
      delay: seconds to wait before answering (close() cuts it short)
      answer: a function(person) -> auth object, for odd success answers
    .requests lists (path, headers (lower-case), JSON body) as received."""

    def __init__(self, people=(), server_name="example.org"):
        self.people = list(people)
        self.server_name = server_name
        self.status = None
        self.raw = None
        self.delay = 0
        self.answer = None
        self.requests = []
        self._release = threading.Event()
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length)
                try:
                    body = json.loads(data)
                except ValueError:
                    body = None
                standin.requests.append(
                    (self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                if standin.delay:
                    standin._release.wait(standin.delay)
                status, payload = standin._reply(self.path, body)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up (timeout tests)

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # a client that hung up (timeout tests): not news

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        # A short poll: shutdown() waits for it, once per test.
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.02,),
                                        daemon=True)
        self._thread.start()

    def close(self):
        self._release.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def _find(self, ident, medium):
        for p in self.people:
            local, _, server = p.user_id[1:].partition(":")
            for m, a in p.threepids:
                if medium in (None, m) and a.lower() == ident.lower():
                    return p
            if medium is None:
                if ident.lower() in (p.user_id.lower(), local.lower()):
                    return p
        return None

    def _reply(self, path, body):
        if self.raw is not None:
            return self.status or 200, self.raw
        if self.status is not None:
            return self.status, json.dumps({"errcode": "M_UNKNOWN",
                                            "error": "An identity store is unavailable"}).encode()
        if path != CHECK_PATH:
            return 404, b'{"errcode":"M_UNRECOGNIZED","error":"Unrecognized request"}'
        user = (body or {}).get("user") if isinstance(body, dict) else None
        if not isinstance(user, dict) or "id" not in user or "password" not in user:
            return 400, b'{"errcode":"M_MISSING_PARAMS","error":"user.id and user.password"}'
        person = self._find(user["id"], user.get("medium"))
        if person is None or person.password != user["password"]:
            return 200, b'{"auth":{"success":false,"profile":{"three_pids":[]}}}'
        if self.answer is not None:
            auth = self.answer(person)
        else:
            profile = {"three_pids": [{"medium": m, "address": a} for m, a in person.threepids]}
            auth = {"success": True, "id": {"type": "mxid", "value": person.user_id},
                    "profile": profile}
            if person.display_name is not None:
                auth["display_name"] = person.display_name
                profile["display_name"] = person.display_name
        return 200, json.dumps({"auth": auth}).encode()
