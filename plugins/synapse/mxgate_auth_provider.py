"""mxgate_auth_provider: a Synapse password auth provider that asks mxgate.

Synapse hands the module the password of an m.login.password login (by
localpart or Matrix ID) or of a 3PID login (e-mail address, phone number);
the module asks mxgate's check_credentials endpoint (ma1sd's protocol) and,
on success, makes sure the Synapse account exists and carries the display
name and 3PIDs the identity stores know, as configured.

One file, nothing beyond the standard library and what Synapse gives a
module, so it can be dropped on Synapse's Python path.  Two ways to load it:

    modules:                                   # Synapse >= 1.46
      - module: mxgate_auth_provider.MxgateAuthProvider
        config: {endpoint: "http://127.0.0.1:8091"}

    password_providers:                        # the legacy list, with the
      - module: mxgate_auth_provider.MxgateAuthProvider   # keys of ma1sd's
        config: {endpoint: ..., policy: {...}}            # rest_auth_provider

It fails closed: when mxgate is down, slow, or answers anything but a
well-formed check_credentials answer, the login is refused with one log
line (never the password, never a traceback).  See plugins/synapse/README.md.
"""

import http.client
import json
import logging
import socket
import ssl
import time
import urllib.parse

__all__ = ["MxgateAuthProvider", "Settings"]

logger = logging.getLogger(__name__)

CHECK_PATH = "/_matrix-internal/identity/v1/check_credentials"
USER_AGENT = "mxgate-synapse-module/1"
MAX_ANSWER = 1 << 20  # a check_credentials answer is a few hundred bytes
MAX_TIMEOUT = 300.0
PASSWORD_LOGIN = "m.login.password"
MEDIA = ("email", "msisdn")

# keep: the store's value is used when the account is created, never after;
# merge: also filled in on login where the account has none (display name)
#        or lacks one (3PIDs); replace: the account is made to match on every
#        login; ignore: never taken from the store (ma1sd's policies that
#        turned both registration and login updates off).
POLICIES = ("keep", "merge", "replace", "ignore")

DEFAULTS = {
    "timeout": 5.0,
    "shared_secret": None,
    "lowercase_localparts": True,
    "display_name": "keep",
    "threepids": "merge",
    "create_users": True,
}
MODERN_KEYS = ("endpoint",) + tuple(DEFAULTS)
# Keys that say what the legacy `policy` block says too: not both.
POLICY_KEYS = ("lowercase_localparts", "display_name", "threepids")


class Settings:
    """The parsed configuration (what parse_config returns)."""

    __slots__ = ("endpoint", "url") + tuple(DEFAULTS)

    def __init__(self, **values):
        for key in self.__slots__:
            setattr(self, key, values[key])

    def __repr__(self):
        # Never the shared secret: Synapse may log its modules' settings.
        shown = {k: getattr(self, k) for k in self.__slots__ if k != "shared_secret"}
        shown["shared_secret"] = "(set)" if self.shared_secret else None
        return "Settings(%r)" % shown


# --- configuration ---------------------------------------------------------

def _config_error(msg):
    """Synapse's ConfigError when running inside Synapse (it then names the
    module and the config path), a ValueError elsewhere."""
    try:
        from synapse.module_api.errors import ConfigError
    except ImportError:
        return ValueError(msg)
    return ConfigError(msg)


def _bool(cfg, key, path):
    value = cfg[key]
    if not isinstance(value, bool):
        raise _config_error("%s: expected true or false, got %r" % (path, value))
    return value


def _mapping(value, path, allowed):
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _config_error("%s: expected a mapping, got %r" % (path, value))
    unknown = sorted(str(k) for k in value if k not in allowed)
    if unknown:
        raise _config_error("%s: unknown key%s %s (known: %s)" % (
            path, "s" if len(unknown) > 1 else "", ", ".join(unknown), ", ".join(allowed)))
    return value


def _endpoint_url(value):
    """The full check_credentials URL from `endpoint`: the base URL of
    mxgate's `internal` listener (a path prefix is kept, for a reverse proxy),
    or that URL with the check_credentials path already on it."""
    if not isinstance(value, str) or not value.strip():
        raise _config_error("endpoint: expected the http(s) URL of mxgate's internal listener")
    parts = urllib.parse.urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _config_error("endpoint: %r is not an http:// or https:// URL" % value)
    if parts.username is not None or parts.query or parts.fragment:
        raise _config_error("endpoint: %r: no user, query or fragment allowed" % value)
    try:
        parts.port
    except ValueError:
        raise _config_error("endpoint: %r has an invalid port" % value) from None
    path = parts.path.rstrip("/")
    if not path.endswith(CHECK_PATH):
        path += CHECK_PATH
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


# rest_auth_provider's `policy` tree: section -> group -> flags.
LEGACY_TREE = {
    "registration": {"username": ("enforceLowercase",), "profile": ("name",)},
    "login": {"profile": ("name",)},
    "all": {"threepid": ("update", "replace")},
}


def _legacy_policy(policy):
    """ma1sd's rest_auth_provider `policy` block mapped onto our keys."""
    policy = _mapping(policy, "policy", tuple(LEGACY_TREE))

    def flag(section, group, key, default):
        path = "policy.%s" % section
        node = _mapping(policy.get(section), path, tuple(LEGACY_TREE[section]))
        path += "." + group
        node = _mapping(node.get(group), path, LEGACY_TREE[section][group])
        if node.get(key) is None:
            return default
        return _bool(node, key, path + "." + key)

    # The defaults are rest_auth_provider's.
    lower = flag("registration", "username", "enforceLowercase", True)
    reg_name = flag("registration", "profile", "name", True)
    login_name = flag("login", "profile", "name", False)
    update = flag("all", "threepid", "update", True)
    replace = flag("all", "threepid", "replace", False)
    if login_name:
        display_name = "replace"
    elif reg_name:
        display_name = "keep"
    else:
        display_name = "ignore"
    # rest_auth_provider only looked at `replace` when `update` was on.
    if not update:
        threepids = "ignore"
    else:
        threepids = "replace" if replace else "merge"
    return {"lowercase_localparts": lower, "display_name": display_name,
            "threepids": threepids}


def parse_config(config):
    """Validate the module's config (either form) and return Settings.
    Unknown keys are refused, so a typo is not a silently ignored policy."""
    cfg = _mapping(config, "config", MODERN_KEYS + ("policy",))
    if "endpoint" not in cfg:
        raise _config_error("endpoint: required (the URL of mxgate's internal listener, "
                            "e.g. http://127.0.0.1:8091)")
    values = dict(DEFAULTS)
    if "policy" in cfg:
        both = [k for k in POLICY_KEYS if k in cfg]
        if both:
            raise _config_error("policy (rest_auth_provider's keys) and %s say the same "
                                "thing: keep one" % ", ".join(both))
        values.update(_legacy_policy(cfg["policy"]))
    values["endpoint"] = cfg["endpoint"]
    values["url"] = _endpoint_url(cfg["endpoint"])

    if "timeout" in cfg:
        t = cfg["timeout"]
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0 < t <= MAX_TIMEOUT:
            raise _config_error("timeout: expected seconds, more than 0 and at most %d, got %r"
                                % (MAX_TIMEOUT, t))
        values["timeout"] = float(t)
    if cfg.get("shared_secret") is not None:
        s = cfg["shared_secret"]
        if not isinstance(s, str) or not s or any(c in s for c in "\r\n"):
            raise _config_error("shared_secret: expected a non-empty one-line string")
        values["shared_secret"] = s
    for key in ("lowercase_localparts", "create_users"):
        if key in cfg:
            values[key] = _bool(cfg, key, key)
    for key in ("display_name", "threepids"):
        if key in cfg:
            if cfg[key] not in POLICIES:
                raise _config_error("%s: expected one of %s, got %r" % (
                    key, ", ".join(POLICIES), cfg[key]))
            values[key] = cfg[key]
    return Settings(**values)


# --- the check_credentials exchange ---------------------------------------

class Refused(Exception):
    """mxgate could not give a verdict; the message is the log line's reason."""


def _one_line(text, limit=200):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit] + "..."


class _Client:
    """POSTs to check_credentials with one deadline for the whole exchange
    (connect, send, headers, body): a slow mxgate costs at most `timeout`
    seconds of a Synapse thread, and the login is refused.  http.client
    rather than urllib: no redirects, no proxy from the environment (the
    endpoint is an internal address and the request carries a password)."""

    def __init__(self, settings):
        parts = urllib.parse.urlsplit(settings.url)
        self.url = settings.url
        self.https = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port
        self.path = parts.path
        self.timeout = settings.timeout
        self.headers = {"Content-Type": "application/json", "Accept": "application/json",
                        "User-Agent": USER_AGENT}
        if settings.shared_secret:
            self.headers["Authorization"] = "Bearer " + settings.shared_secret
        self.tls = ssl.create_default_context() if self.https else None

    def post(self, body):
        """Blocking (run it in a thread): (status, parsed JSON or None)."""
        deadline = time.monotonic() + self.timeout

        def left():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise socket.timeout("deadline")
            return remaining

        if self.https:
            conn = http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout,
                                               context=self.tls)
        else:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.connect()
            sock = conn.sock  # kept: getresponse() may hand it to the response
            sock.settimeout(left())
            conn.request("POST", self.path, body=body, headers=self.headers)
            sock.settimeout(left())
            resp = conn.getresponse()
            chunks, size = [], 0
            while True:
                sock.settimeout(left())
                chunk = resp.read1(65536) if hasattr(resp, "read1") else resp.read(65536)
                if not chunk:
                    break
                size += len(chunk)
                if size > MAX_ANSWER:
                    raise Refused("mxgate at %s sent an answer over %d bytes" %
                                  (self.url, MAX_ANSWER))
                chunks.append(chunk)
            data = b"".join(chunks)
        except (socket.timeout, TimeoutError):
            raise Refused("mxgate at %s did not answer within %g s" % (self.url, self.timeout))
        except ConnectionRefusedError:
            raise Refused("mxgate at %s is unreachable (connection refused)" % self.url)
        except ssl.SSLError as e:
            raise Refused("TLS with mxgate at %s failed (%s)" % (self.url, _one_line(e)))
        except http.client.HTTPException as e:
            raise Refused("mxgate at %s sent a broken HTTP answer (%s: %s)" %
                          (self.url, type(e).__name__, _one_line(e)))
        except OSError as e:
            raise Refused("mxgate at %s is unreachable (%s)" %
                          (self.url, _one_line(e.strerror or e)))
        finally:
            conn.close()
        try:
            parsed = json.loads(data.decode("utf-8")) if data else None
        except ValueError:
            parsed = None
        return resp.status, parsed


class Verdict:
    """A well-formed check_credentials answer."""

    __slots__ = ("success", "user_id", "display_name", "threepids")

    def __init__(self, success, user_id=None, display_name=None, threepids=None):
        self.success = success
        self.user_id = user_id            # auth.id.value, None when absent
        self.display_name = display_name  # None: the store has none
        self.threepids = threepids        # None: not in the answer (leave as is)


def _verdict(url, status, answer):
    """Check the answer's shape; Refused with the reason when it is wrong."""
    if status != 200:
        what = "HTTP %d" % status
        if isinstance(answer, dict) and isinstance(answer.get("errcode"), str):
            what += " %s" % answer["errcode"]
            if isinstance(answer.get("error"), str):
                what += ": %s" % answer["error"]
        raise Refused("mxgate at %s answered %s" % (url, _one_line(what)))

    def bad(why):
        return Refused("mxgate at %s answered something that is not a check_credentials "
                       "answer (%s)" % (url, why))

    if not isinstance(answer, dict):
        raise bad("not a JSON object")
    auth = answer.get("auth")
    if not isinstance(auth, dict):
        raise bad("no auth object")
    success = auth.get("success")
    if not isinstance(success, bool):
        raise bad("auth.success is not a boolean")
    if not success:
        return Verdict(False)

    user_id = None
    if auth.get("id") is not None:
        ident = auth["id"]
        if (not isinstance(ident, dict) or ident.get("type") != "mxid" or
                not isinstance(ident.get("value"), str)):
            raise bad("auth.id is not {type: mxid, value: string}")
        user_id = ident["value"]
    profile = auth.get("profile")
    if profile is None:
        profile = {}
    if not isinstance(profile, dict):
        raise bad("auth.profile is not an object")
    name = profile.get("display_name", auth.get("display_name"))
    if name is not None and not isinstance(name, str):
        raise bad("display_name is not a string")
    threepids = None
    if profile.get("three_pids") is not None:
        threepids = []
        if not isinstance(profile["three_pids"], list):
            raise bad("auth.profile.three_pids is not a list")
        for t in profile["three_pids"]:
            if (not isinstance(t, dict) or not isinstance(t.get("medium"), str) or
                    not isinstance(t.get("address"), str) or not t["address"]):
                raise bad("a three_pids entry is not {medium, address}")
            if t["medium"] in MEDIA:  # others mean nothing to Synapse accounts
                threepids.append((t["medium"], t["address"]))
    return Verdict(True, user_id, name or None, threepids)


def _threepid_key(medium, address):
    # Synapse stores e-mail addresses lower-cased (canonicalise_email).
    return (medium, address.strip().lower() if medium == "email" else address.strip())


# --- the module ------------------------------------------------------------

class MxgateAuthProvider:
    """The module.  Synapse builds it as MxgateAuthProvider(config, api)
    from `modules:` and as MxgateAuthProvider(config=..., account_handler=...)
    from the legacy `password_providers:`; either way config is what
    parse_config returned and api a synapse.module_api.ModuleApi."""

    def __init__(self, config, api=None, account_handler=None):
        legacy = api is None
        api = api if api is not None else account_handler
        if api is None:
            raise TypeError("MxgateAuthProvider needs Synapse's module API")
        if not isinstance(config, Settings):
            config = parse_config(config)
        if not hasattr(api, "defer_to_thread"):
            raise _config_error("mxgate_auth_provider needs Synapse 1.49 or later "
                                "(ModuleApi.defer_to_thread)")
        self._api = api
        self._settings = config
        self._client = _Client(config)
        self._warned = set()
        if not legacy:
            api.register_password_auth_provider_callbacks(
                auth_checkers={(PASSWORD_LOGIN, ("password",)): self.check_auth},
                check_3pid_auth=self.check_3pid_auth,
            )
        # Legacy mode: Synapse's loader finds get_supported_login_types,
        # check_auth and check_3pid_auth on the object and registers them
        # itself.  Deliberately no check_password: Synapse would answer with
        # the ID the client typed instead of the account's canonical ID.

    parse_config = staticmethod(parse_config)

    def __repr__(self):
        return "MxgateAuthProvider(%s)" % self._settings.url

    @staticmethod
    def get_supported_login_types():
        """For the legacy loader: the login type check_auth handles."""
        return {PASSWORD_LOGIN: ("password",)}

    # Synapse's callbacks.  Whatever happens, they return None (refused) or
    # (user ID, None): an exception would only make Synapse log a traceback
    # and try the next provider.

    async def check_auth(self, user, login_type, login_dict):
        """auth_checkers callback for m.login.password; `user` is what the
        client sent: a localpart, a Matrix ID, or (typed into the user name
        box) an e-mail address or phone number."""
        password = login_dict.get("password") if isinstance(login_dict, dict) else None
        if login_type != PASSWORD_LOGIN or not isinstance(user, str) or not user.strip():
            return None
        if not isinstance(password, str) or not password:
            return None
        user = user.strip()
        if "@" in user[1:] or user.startswith("+"):
            asked = user  # an e-mail address or phone number: mxgate resolves it
        else:
            local, server = user, self._server_name()
            if user.startswith("@"):
                local, _, server = user[1:].partition(":")
                if not local or server != self._server_name():
                    return None  # another server's user (or no server): not ours to check
            # Lower-cased before asking too: the account will be, and a
            # store may compare localparts exactly.
            if self._settings.lowercase_localparts:
                local = local.lower()
            asked = "@%s:%s" % (local, server)
        return await self._login(asked, None, password)

    async def check_3pid_auth(self, medium, address, password):
        """check_3pid_auth callback: e-mail or phone number login (Synapse
        gives phone numbers as international digits, e.g. 447700900123)."""
        if medium not in MEDIA or not isinstance(address, str) or not address.strip():
            return None
        if not isinstance(password, str) or not password:
            return None
        return await self._login(address.strip(), medium, password)

    # the steps of a login

    async def _login(self, asked, medium, password):
        # Client input: one line in the log, whatever it holds.
        who = _one_line(asked if medium is None else "%s %s" % (medium, asked), 100)
        request = {"id": asked, "password": password}
        if medium is not None:
            request["medium"] = medium
        body = json.dumps({"user": request}).encode("utf-8")
        try:
            status, answer = await self._api.defer_to_thread(self._client.post, body)
            verdict = _verdict(self._client.url, status, answer)
        except Refused as e:
            logger.warning("mxgate: login of %s refused: %s", who, e)
            return None
        except Exception as e:  # a bug or the unforeseen: still one line
            logger.warning("mxgate: login of %s refused: %s: %s", who, type(e).__name__,
                           _one_line(e))
            return None
        if not verdict.success:
            logger.info("mxgate: login of %s refused by mxgate (wrong password, unknown "
                        "or disabled user)", who)
            return None

        user_id = self._matrix_id(verdict.user_id, asked, medium, who)
        if user_id is None:
            return None
        try:
            canonical = await self._api.check_user_exists(user_id)
            if canonical is None:
                canonical = await self._create(user_id, verdict, who)
                if canonical is None:
                    return None
            else:
                await self._sync_profile(canonical, verdict)
        except Exception as e:
            logger.warning("mxgate: login of %s refused: Synapse failed on account %s: %s",
                           who, user_id, _one_line(e))
            return None
        return canonical, None

    def _server_name(self):
        name = getattr(self._api, "server_name", None)  # Synapse >= 1.53
        if not name:
            name = self._api.get_qualified_user_id("x").split(":", 1)[1]
        return name

    def _matrix_id(self, answered, asked, medium, who):
        """The account to log in: mxgate's auth.id.value, or the asked user
        for a ma1sd-style answer without it; lower-cased localpart when
        configured.  None (logged) when it cannot be one of ours."""
        user_id = answered
        if user_id is None:
            if medium is not None or not asked.startswith("@"):
                logger.warning("mxgate: login of %s refused: the answer names no Matrix ID "
                               "(auth.id)", who)
                return None
            user_id = asked
        local, sep, server = user_id[1:].partition(":")
        if not user_id.startswith("@") or not sep or not local or server != self._server_name():
            logger.warning("mxgate: login of %s refused: mxgate answered %r, not a user of "
                           "this server (%s)", who, _one_line(user_id, 100), self._server_name())
            return None
        if self._settings.lowercase_localparts:
            local = local.lower()
        return "@%s:%s" % (local, server)

    async def _create(self, user_id, verdict, who):
        if not self._settings.create_users:
            logger.warning("mxgate: login of %s refused: %s has no Synapse account and "
                           "create_users is false", who, user_id)
            return None
        localpart = user_id[1:].split(":", 1)[0]
        with_profile = self._settings.display_name != "ignore"
        with_3pids = self._settings.threepids != "ignore" and verdict.threepids is not None
        emails = [a for m, a in verdict.threepids if m == "email"] if with_3pids else []
        try:
            created = await self._api.register_user(
                localpart, displayname=verdict.display_name if with_profile else None,
                emails=emails)
        except Exception as e:
            # Two first logins at once: the other one created the account.
            canonical = await self._api.check_user_exists(user_id)
            if canonical is None:
                logger.warning("mxgate: login of %s refused: Synapse refused to create %s: %s",
                               who, user_id, _one_line(getattr(e, "msg", None) or e))
                return None
            await self._sync_profile(canonical, verdict)
            return canonical
        logger.info("mxgate: created %s on first login", created)
        if with_3pids:
            others = [(m, a) for m, a in verdict.threepids if m != "email"]
            if others:
                await self._add_threepids(created, others)
        return created

    async def _sync_profile(self, user_id, verdict):
        """Apply the display name and 3PID policies to an existing account.
        A failure here is logged and the login goes on: the password was
        right, only the profile copy is stale."""
        try:
            await self._sync_display_name(user_id, verdict.display_name)
        except Exception as e:
            logger.warning("mxgate: display name of %s not updated: %s", user_id, _one_line(e))
        try:
            await self._sync_threepids(user_id, verdict.threepids)
        except Exception as e:
            logger.warning("mxgate: 3PIDs of %s not updated: %s", user_id, _one_line(e))

    async def _sync_display_name(self, user_id, name):
        policy = self._settings.display_name
        if name is None or policy in ("keep", "ignore"):
            return
        localpart = user_id[1:].split(":", 1)[0]
        profile = await self._api.get_profile_for_user(localpart)
        current = getattr(profile, "display_name", None)
        if policy == "merge" and current and current != localpart:
            return  # the user has a name of their own (Synapse's default is the localpart)
        if current == name:
            return  # a change sends a member event to every room: only when needed
        if not hasattr(self._api, "set_displayname"):
            self._warn_once("displayname", "mxgate: this Synapse has no "
                            "ModuleApi.set_displayname (1.76+): display names not updated")
            return
        await self._api.set_displayname(self._user_id_object(user_id), name)

    async def _sync_threepids(self, user_id, wanted):
        policy = self._settings.threepids
        if wanted is None or policy in ("keep", "ignore"):
            return
        have = await self._api.get_threepids_for_user(user_id)
        have_keys = {_threepid_key(t["medium"], t["address"]): t for t in have}
        want_keys = {}
        for medium, address in wanted:
            want_keys.setdefault(_threepid_key(medium, address), (medium, address))
        missing = [v for k, v in want_keys.items() if k not in have_keys]
        extra = []
        if policy == "replace":
            extra = [(t["medium"], t["address"]) for k, t in have_keys.items()
                     if k not in want_keys and t["medium"] in MEDIA]
        if missing:
            await self._add_threepids(user_id, missing)
        if extra:
            await self._delete_threepids(user_id, extra)

    # Account 3PIDs.  Synapse's module API can only give e-mail addresses at
    # registration (register_user's emails) and read them back
    # (get_threepids_for_user); there is no call to add or remove one later.
    # The ModuleApi holds Synapse's AuthHandler, whose add_threepid and
    # delete_local_threepid are what Synapse's own admin API uses; the module
    # uses them when they are there and otherwise says once that it cannot.

    def _threepid_handler(self, method):
        handler = getattr(self._api, "_auth_handler", None)
        fn = getattr(handler, method, None)
        if fn is None:
            self._warn_once(method, "mxgate: this Synapse offers modules no way to change "
                            "account 3PIDs (AuthHandler.%s): threepids policy %r not applied"
                            % (method, self._settings.threepids))
        return fn

    async def _add_threepids(self, user_id, threepids):
        add = self._threepid_handler("add_threepid")
        if add is None:
            return
        now = self._now_ms()
        for medium, address in threepids:
            try:
                await add(user_id, medium, address, now)
            except Exception as e:  # e.g. already on another account
                logger.warning("mxgate: 3PID %s %s not added to %s: %s", medium, address,
                               user_id, _one_line(getattr(e, "msg", None) or e))

    async def _delete_threepids(self, user_id, threepids):
        delete = self._threepid_handler("delete_local_threepid")
        if delete is None:
            return
        for medium, address in threepids:
            try:
                await delete(user_id, medium, address)
            except Exception as e:
                logger.warning("mxgate: 3PID %s %s not removed from %s: %s", medium, address,
                               user_id, _one_line(getattr(e, "msg", None) or e))

    # helpers

    def _now_ms(self):
        now = getattr(self._api, "get_current_time_msec", None)
        return now() if now is not None else int(time.time() * 1000)

    @staticmethod
    def _user_id_object(user_id):
        """ModuleApi.set_displayname takes a UserID, not a string."""
        try:
            from synapse.module_api import UserID
        except ImportError:
            return user_id
        return UserID.from_string(user_id)

    def _warn_once(self, key, msg):
        if key not in self._warned:
            self._warned.add(key)
            logger.warning("%s", msg)
