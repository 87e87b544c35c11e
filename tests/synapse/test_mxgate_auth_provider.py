"""test_mxgate_auth_provider.py: plugins/synapse/mxgate_auth_provider.py
against a stand-in of Synapse's ModuleApi and a stand-in of mxgate's
check_credentials (a real HTTP server on loopback).  Standard library only:

    python3 -B -m unittest discover -s tests/synapse -v
"""

import asyncio
import json
import logging
import os
import re
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from standin import (CHECK_PATH, ConfigError, FAKE_SYNAPSE,  # noqa: E402
                     CheckCredentialsStandin, ModuleApiStandin, Person)

import mxgate_auth_provider as mod  # noqa: E402  (standin put it on sys.path)

PASSWORD = "correct horse battery staple"
LOGGER = "mxgate_auth_provider"


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def alice(**kw):
    values = dict(user_id="@alice:example.org", password=PASSWORD,
                  display_name="Alice Ängström",
                  threepids=[("email", "alice@example.org"), ("msisdn", "447700900123")])
    values.update(kw)
    return Person(**values)


class Base(unittest.IsolatedAsyncioTestCase):
    people = ()

    def setUp(self):
        self.mxgate = CheckCredentialsStandin(self.people or [alice()])
        self.addCleanup(self.mxgate.close)
        self.api = ModuleApiStandin()

    def provider(self, **config):
        config.setdefault("endpoint", self.mxgate.url)
        return mod.MxgateAuthProvider(mod.MxgateAuthProvider.parse_config(config), self.api)

    async def login(self, provider, user, password=PASSWORD):
        return await provider.check_auth(user, "m.login.password", {"password": password})

    async def refused_with_one_line(self, coro, *words):
        """The login is refused and logged in exactly one WARNING line that
        holds `words`, no traceback and never the password."""
        with self.assertLogs(LOGGER, logging.INFO) as logs:
            result = await coro
        self.assertIsNone(result)
        warnings = [r for r in logs.records if r.levelno >= logging.WARNING]
        self.assertEqual(len(warnings), 1, logs.output)
        line = warnings[0].getMessage()
        self.assertIsNone(warnings[0].exc_info)
        self.assertNotIn("\n", line)
        self.assertNotIn("Traceback", line)
        for out in logs.output:
            self.assertNotIn(PASSWORD, out)
        for w in words:
            self.assertIn(w, line)
        return line


class Registration(Base):
    def test_module_mode_registers_callbacks(self):
        p = self.provider()
        self.assertEqual(set(self.api.callbacks), {"auth_checkers", "check_3pid_auth"})
        self.assertEqual(list(self.api.callbacks["auth_checkers"]),
                         [("m.login.password", ("password",))])
        self.assertEqual(self.api.callbacks["auth_checkers"][("m.login.password",
                                                              ("password",))], p.check_auth)
        self.assertEqual(self.api.callbacks["check_3pid_auth"], p.check_3pid_auth)

    def test_synapse_calls_it_positionally_with_a_parsed_config(self):
        # Synapse: load_module() -> parse_config(); then Class(config, api).
        cls, cfg = mod.MxgateAuthProvider, {"endpoint": self.mxgate.url}
        p = cls(cls.parse_config(cfg), self.api)
        self.assertIsNotNone(self.api.callbacks)
        self.assertIn(self.mxgate.url, repr(p))

    def test_no_check_password_method(self):
        # Synapse's legacy wrapper would answer the typed ID, not the canonical one.
        self.assertFalse(hasattr(mod.MxgateAuthProvider, "check_password"))


class PasswordLogin(Base):
    async def test_success_existing_user(self):
        self.api.add_account("@alice:example.org", "Alice Ängström",
                             [("email", "alice@example.org"), ("msisdn", "447700900123")])
        p = self.provider()
        self.assertEqual(await self.login(p, "alice"), ("@alice:example.org", None))
        self.assertEqual(self.api.calls_named("register_user"), [])
        path, headers, body = self.mxgate.requests[0]
        self.assertEqual(path, CHECK_PATH)
        self.assertEqual(body, {"user": {"id": "@alice:example.org", "password": PASSWORD}})
        self.assertNotIn("authorization", headers)
        self.assertEqual(self.api.threads_used, 1)

    async def test_full_matrix_id(self):
        p = self.provider()
        self.assertEqual(await self.login(p, "@alice:example.org"), ("@alice:example.org", None))

    async def test_wrong_password(self):
        self.api.add_account("@alice:example.org")
        p = self.provider()
        with self.assertLogs(LOGGER, logging.INFO) as logs:
            self.assertIsNone(await self.login(p, "alice", "wrong"))
        self.assertFalse([r for r in logs.records if r.levelno >= logging.WARNING])
        self.assertEqual(self.api.calls_named("register_user"), [])

    async def test_unknown_user_not_created(self):
        p = self.provider()
        self.assertIsNone(await self.login(p, "nobody"))
        self.assertEqual(self.api.accounts, {})

    async def test_empty_or_odd_input_asks_nothing(self):
        p = self.provider()
        self.assertIsNone(await self.login(p, "alice", ""))
        self.assertIsNone(await p.check_auth("alice", "m.login.password", {"password": 5}))
        self.assertIsNone(await p.check_auth("", "m.login.password", {"password": PASSWORD}))
        self.assertIsNone(await p.check_auth("alice", "m.login.token", {"password": PASSWORD}))
        self.assertIsNone(await self.login(p, "@alice:elsewhere.org"))
        self.assertIsNone(await self.login(p, "@alice"))
        self.assertEqual(self.mxgate.requests, [])

    async def test_email_typed_as_user_name(self):
        p = self.provider()
        self.assertEqual(await self.login(p, "Alice@Example.org"), ("@alice:example.org", None))
        self.assertEqual(self.mxgate.requests[0][2]["user"]["id"], "Alice@Example.org")

    async def test_existing_account_in_other_case_is_canonical(self):
        self.api.add_account("@Alice:example.org")  # made before lower-case rules
        p = self.provider()
        self.assertEqual(await self.login(p, "alice"), ("@Alice:example.org", None))
        self.assertEqual(self.api.calls_named("register_user"), [])

    async def test_shared_secret_sent_as_bearer(self):
        p = self.provider(shared_secret="s3cret")
        self.assertEqual(await self.login(p, "alice"), ("@alice:example.org", None))
        self.assertEqual(self.mxgate.requests[0][1]["authorization"], "Bearer s3cret")
        self.assertNotIn("s3cret", repr(p._settings))

    async def test_endpoint_with_prefix_and_full_path(self):
        for endpoint in (self.mxgate.url + "/", self.mxgate.url + CHECK_PATH):
            p = self.provider(endpoint=endpoint)
            self.assertEqual(await self.login(p, "alice"), ("@alice:example.org", None))
        p = self.provider(endpoint=self.mxgate.url + "/mxgate")
        await self.refused_with_one_line(self.login(p, "alice"), "HTTP 404")
        self.assertEqual(self.mxgate.requests[-1][0], "/mxgate" + CHECK_PATH)

    async def test_ma1sd_answer_without_id_uses_the_asked_user(self):
        self.mxgate.answer = lambda person: {"success": True, "display_name": "A",
                                             "profile": {"display_name": "A", "three_pids": []}}
        p = self.provider()
        self.assertEqual(await self.login(p, "alice"), ("@alice:example.org", None))
        self.assertEqual(self.api.accounts["@alice:example.org"].display_name, "A")

    async def test_answer_for_another_server_refused(self):
        self.mxgate.answer = lambda person: {"success": True,
                                             "id": {"type": "mxid", "value": "@root:evil.org"}}
        p = self.provider()
        await self.refused_with_one_line(self.login(p, "alice"), "not a user of this server")
        self.assertEqual(self.api.accounts, {})


class NewUser(Base):
    async def test_created_with_display_name_and_3pids(self):
        p = self.provider()
        self.assertEqual(await self.login(p, "alice"), ("@alice:example.org", None))
        self.assertEqual(self.api.calls_named("register_user"),
                         [("register_user", "alice", "Alice Ängström", ["alice@example.org"])])
        self.assertEqual(self.api.calls_named("add_threepid"),
                         [("add_threepid", "@alice:example.org", "msisdn", "447700900123")])
        self.assertEqual(self.api.threepid_set("@alice:example.org"),
                         {("email", "alice@example.org"), ("msisdn", "447700900123")})
        # The second login finds the account: nothing created or changed.
        before = len(self.api.calls)
        self.assertEqual(await self.login(p, "alice"), ("@alice:example.org", None))
        self.assertEqual(self.api.calls[before:], [])

    async def test_create_users_false(self):
        p = self.provider(create_users=False)
        await self.refused_with_one_line(self.login(p, "alice"), "create_users is false")
        self.assertEqual(self.api.calls_named("register_user"), [])

    async def test_ignore_policies_register_bare_account(self):
        p = self.provider(display_name="ignore", threepids="ignore")
        self.assertEqual(await self.login(p, "alice"), ("@alice:example.org", None))
        self.assertEqual(self.api.calls_named("register_user"),
                         [("register_user", "alice", None, [])])
        self.assertEqual(self.api.calls_named("add_threepid"), [])

    async def test_3pid_taken_by_someone_else_does_not_block_login(self):
        self.api.add_account("@other:example.org", threepids=[("msisdn", "447700900123")])
        p = self.provider()
        with self.assertLogs(LOGGER, logging.WARNING) as logs:
            self.assertEqual(await self.login(p, "alice"), ("@alice:example.org", None))
        self.assertEqual(len(logs.records), 1)
        self.assertIn("not added", logs.records[0].getMessage())

    async def test_synapse_refusing_registration_refuses_login(self):
        p = self.provider(lowercase_localparts=False)
        self.mxgate.people = [alice(user_id="@Alice:example.org")]
        line = await self.refused_with_one_line(self.login(p, "Alice"), "refused to create")
        self.assertIn("@Alice:example.org", line)


class Lowercasing(Base):
    people = [alice(user_id="@Alice:example.org")]

    async def test_localpart_lowercased(self):
        p = self.provider()
        self.assertEqual(await self.login(p, "Alice"), ("@alice:example.org", None))
        self.assertEqual(self.api.calls_named("register_user")[0][1], "alice")
        self.assertEqual(self.mxgate.requests[0][2]["user"]["id"], "@alice:example.org")
        self.assertEqual(await self.login(p, "@ALICE:example.org"), ("@alice:example.org", None))
        self.assertEqual(self.mxgate.requests[1][2]["user"]["id"], "@alice:example.org")

    async def test_lowercased_when_the_answer_has_no_id(self):
        self.mxgate.answer = lambda person: {"success": True}
        p = self.provider()
        self.assertEqual(await self.login(p, "@ALICE:example.org"), ("@alice:example.org", None))

    async def test_kept_when_off(self):
        self.api.add_account("@Alice:example.org")
        p = self.provider(lowercase_localparts=False)
        self.assertEqual(await self.login(p, "alice"), ("@Alice:example.org", None))
        self.assertEqual(await self.login(p, "ALICE"), ("@Alice:example.org", None))
        self.assertEqual(self.mxgate.requests[1][2]["user"]["id"], "@ALICE:example.org")


class ThirdPartyLogin(Base):
    async def test_email(self):
        p = self.provider()
        self.assertEqual(await p.check_3pid_auth("email", "alice@example.org", PASSWORD),
                         ("@alice:example.org", None))
        self.assertEqual(self.mxgate.requests[0][2], {"user": {
            "id": "alice@example.org", "medium": "email", "password": PASSWORD}})

    async def test_msisdn(self):
        self.api.add_account("@alice:example.org")
        p = self.provider()
        self.assertEqual(await p.check_3pid_auth("msisdn", "447700900123", PASSWORD),
                         ("@alice:example.org", None))
        self.assertEqual(self.mxgate.requests[0][2]["user"]["medium"], "msisdn")

    async def test_wrong_password_and_unknown_medium(self):
        p = self.provider()
        self.assertIsNone(await p.check_3pid_auth("email", "alice@example.org", "nope"))
        self.assertIsNone(await p.check_3pid_auth("fax", "alice@example.org", PASSWORD))
        self.assertEqual(len(self.mxgate.requests), 1)

    async def test_answer_without_id_refused(self):
        self.mxgate.answer = lambda person: {"success": True}
        p = self.provider()
        await self.refused_with_one_line(
            p.check_3pid_auth("email", "alice@example.org", PASSWORD), "names no Matrix ID")


class DisplayNamePolicy(Base):
    async def run_policy(self, policy, current):
        self.api.add_account("@alice:example.org", current)
        p = self.provider(display_name=policy)
        self.assertEqual(await self.login(p, "alice"), ("@alice:example.org", None))
        return self.api.accounts["@alice:example.org"].display_name

    async def test_keep(self):
        self.assertEqual(await self.run_policy("keep", "Mine"), "Mine")
        self.assertEqual(self.api.calls_named("set_displayname"), [])

    async def test_ignore(self):
        self.assertEqual(await self.run_policy("ignore", "Mine"), "Mine")

    async def test_merge_keeps_a_name(self):
        self.assertEqual(await self.run_policy("merge", "Mine"), "Mine")
        self.assertEqual(self.api.calls_named("set_displayname"), [])

    async def test_merge_fills_the_default(self):
        # Synapse's default display name is the localpart: that is "none".
        self.assertEqual(await self.run_policy("merge", "alice"), "Alice Ängström")

    async def test_replace(self):
        self.assertEqual(await self.run_policy("replace", "Mine"), "Alice Ängström")
        self.assertEqual(self.api.calls_named("set_displayname"),
                         [("set_displayname", "@alice:example.org", "Alice Ängström")])

    async def test_replace_does_nothing_when_equal(self):
        self.assertEqual(await self.run_policy("replace", "Alice Ängström"), "Alice Ängström")
        self.assertEqual(self.api.calls_named("set_displayname"), [])

    async def test_store_without_name_clears_nothing(self):
        self.mxgate.people = [alice(display_name=None)]
        self.assertEqual(await self.run_policy("replace", "Mine"), "Mine")

    @unittest.skipUnless(FAKE_SYNAPSE, "checks the stand-in's UserID")
    async def test_set_displayname_gets_a_user_id_object(self):
        await self.run_policy("replace", "Mine")
        self.assertEqual(len(self.api.calls_named("set_displayname")), 1)


class ThreepidPolicy(Base):
    HAVE = [("email", "Alice@Example.org"), ("email", "old@example.org")]

    async def run_policy(self, policy):
        self.api.add_account("@alice:example.org", "Alice",
                             [("email", "alice@example.org"), ("email", "old@example.org")])
        p = self.provider(threepids=policy)
        self.assertEqual(await self.login(p, "alice"), ("@alice:example.org", None))
        return self.api.threepid_set("@alice:example.org")

    async def test_keep(self):
        self.assertEqual(await self.run_policy("keep"),
                         {("email", "alice@example.org"), ("email", "old@example.org")})

    async def test_ignore(self):
        self.assertEqual(await self.run_policy("ignore"),
                         {("email", "alice@example.org"), ("email", "old@example.org")})
        self.assertEqual(self.api.calls_named("add_threepid"), [])

    async def test_merge_adds_missing_only(self):
        self.assertEqual(await self.run_policy("merge"),
                         {("email", "alice@example.org"), ("email", "old@example.org"),
                          ("msisdn", "447700900123")})
        self.assertEqual(self.api.calls_named("delete_local_threepid"), [])

    async def test_replace_makes_them_equal(self):
        self.assertEqual(await self.run_policy("replace"),
                         {("email", "alice@example.org"), ("msisdn", "447700900123")})
        self.assertEqual(self.api.calls_named("delete_local_threepid"),
                         [("delete_local_threepid", "@alice:example.org", "email",
                           "old@example.org")])

    async def test_email_case_is_not_a_difference(self):
        self.mxgate.people = [alice(threepids=[("email", "ALICE@example.org")])]
        self.assertEqual(await self.run_policy("replace"), {("email", "alice@example.org")})
        self.assertEqual(self.api.calls_named("add_threepid"), [])

    async def test_answer_without_three_pids_changes_nothing(self):
        self.mxgate.answer = lambda person: {"success": True,
                                             "id": {"type": "mxid", "value": person.user_id}}
        self.assertEqual(await self.run_policy("replace"),
                         {("email", "alice@example.org"), ("email", "old@example.org")})

    async def test_without_the_auth_handler_warns_once(self):
        del self.api._auth_handler
        p = self.provider(threepids="merge")
        self.api.add_account("@alice:example.org")
        with self.assertLogs(LOGGER, logging.WARNING) as logs:
            for _ in range(2):
                self.assertEqual(await self.login(p, "alice"), ("@alice:example.org", None))
        self.assertEqual(len(logs.records), 1, logs.output)
        self.assertIn("no way to change account 3PIDs", logs.records[0].getMessage())


class FailClosed(Base):
    async def test_mxgate_down(self):
        p = self.provider(endpoint="http://127.0.0.1:%d" % closed_port())
        await self.refused_with_one_line(self.login(p, "alice"), "unreachable",
                                         "connection refused")
        self.assertEqual(self.api.calls_named("register_user"), [])

    async def test_mxgate_slow(self):
        self.mxgate.delay = 5
        p = self.provider(timeout=0.4)
        started = time.monotonic()
        await self.refused_with_one_line(self.login(p, "alice"), "did not answer within 0.4 s")
        self.assertLess(time.monotonic() - started, 1.5)

    async def test_mxgate_slow_3pid(self):
        self.mxgate.delay = 5
        p = self.provider(timeout=0.3)
        started = time.monotonic()
        await self.refused_with_one_line(
            p.check_3pid_auth("email", "alice@example.org", PASSWORD), "did not answer")
        self.assertLess(time.monotonic() - started, 1.5)

    async def test_5xx(self):
        for status in (500, 502, 503):
            self.mxgate.status = status
            p = self.provider()
            line = await self.refused_with_one_line(self.login(p, "alice"), "HTTP %d" % status)
            self.assertIn("M_UNKNOWN", line)

    async def test_4xx(self):
        self.mxgate.status = 401
        await self.refused_with_one_line(self.login(self.provider(), "alice"), "HTTP 401")

    async def test_malformed_answers(self):
        p = self.provider()
        cases = [
            (b"<html>oops</html>", "not a JSON object"),
            (b"[1, 2]", "not a JSON object"),
            (b"", "not a JSON object"),
            (b'{"authentication": {"success": true}}', "no auth object"),
            (b'{"auth": {"success": "yes"}}', "auth.success is not a boolean"),
            (b'{"auth": {"success": true, "id": "@alice:example.org"}}', "auth.id"),
            (b'{"auth": {"success": true, "id": {"type": "mxid", "value": 5}}}', "auth.id"),
            (b'{"auth": {"success": true, "profile": []}}', "auth.profile"),
            (b'{"auth": {"success": true, "profile": {"display_name": 5}}}', "display_name"),
            (b'{"auth": {"success": true, "profile": {"three_pids": {}}}}', "three_pids"),
            (b'{"auth": {"success": true, "profile": {"three_pids": [{"medium": "email"}]}}}',
             "three_pids entry"),
            (b'\xff\xfe{', "not a JSON object"),
        ]
        for raw, why in cases:
            with self.subTest(raw=raw):
                self.mxgate.raw = raw
                await self.refused_with_one_line(self.login(p, "alice"), why)
        self.assertEqual(self.api.accounts, {})

    async def test_oversized_answer(self):
        self.mxgate.raw = b'{"auth": {"success": false, "x": "' + b"a" * (2 << 20) + b'"}}'
        await self.refused_with_one_line(self.login(self.provider(), "alice"), "over")

    async def test_peer_hangs_up(self):
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        self.addCleanup(listener.close)

        def hang_up():
            # Read the whole request before closing: closing with unread
            # bytes makes the kernel send a reset, a different failure.
            conn, _ = listener.accept()
            conn.settimeout(5)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
            want = int(m.group(1)) if m else 0
            while len(body) < want:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                body += chunk
            conn.shutdown(socket.SHUT_WR)
            conn.close()
        thread = threading.Thread(target=hang_up, daemon=True)
        thread.start()
        p = self.provider(endpoint="http://127.0.0.1:%d" % listener.getsockname()[1])
        await self.refused_with_one_line(self.login(p, "alice"), "broken HTTP answer")
        thread.join(5)

    async def test_synapse_failure_is_one_line(self):
        async def broken(user_id):
            raise RuntimeError("database is locked")
        self.api.check_user_exists = broken
        await self.refused_with_one_line(self.login(self.provider(), "alice"),
                                         "database is locked")

    async def test_log_lines_never_hold_the_password_or_forged_lines(self):
        p = self.provider(endpoint="http://127.0.0.1:%d" % closed_port())
        line = await self.refused_with_one_line(self.login(p, "bob\nFAKE LINE"))
        self.assertIn("bob fake line", line.lower())


class LegacyConfig(unittest.TestCase):
    def parse(self, **cfg):
        cfg.setdefault("endpoint", "http://ma1sd-internal:8090")
        return mod.MxgateAuthProvider.parse_config(cfg)

    def test_rest_auth_provider_defaults(self):
        s = self.parse(policy={
            "registration": {"username": {"enforceLowercase": True}, "profile": {"name": True}},
            "login": {"profile": {"name": False}},
            "all": {"threepid": {"update": True, "replace": False}}})
        self.assertEqual((s.lowercase_localparts, s.display_name, s.threepids),
                         (True, "keep", "merge"))
        self.assertEqual(s.url, "http://ma1sd-internal:8090" + CHECK_PATH)
        self.assertEqual((s.timeout, s.create_users, s.shared_secret), (5.0, True, None))

    def test_endpoint_only_is_the_same(self):
        a, b = self.parse(), self.parse(policy={})
        for key in mod.Settings.__slots__:
            self.assertEqual(getattr(a, key), getattr(b, key), key)

    def test_mappings(self):
        cases = [
            ({"login": {"profile": {"name": True}}}, "display_name", "replace"),
            ({"registration": {"profile": {"name": False}}}, "display_name", "ignore"),
            ({"registration": {"profile": {"name": False}}, "login": {"profile": {"name": True}}},
             "display_name", "replace"),
            ({"all": {"threepid": {"replace": True}}}, "threepids", "replace"),
            ({"all": {"threepid": {"update": False, "replace": True}}}, "threepids", "ignore"),
            ({"all": {"threepid": {"update": False}}}, "threepids", "ignore"),
            ({"registration": {"username": {"enforceLowercase": False}}},
             "lowercase_localparts", False),
        ]
        for policy, key, want in cases:
            with self.subTest(policy=policy):
                self.assertEqual(getattr(self.parse(policy=policy), key), want)

    def test_legacy_keys_beside_new_transport_keys(self):
        s = self.parse(policy={}, timeout=2, shared_secret="x", create_users=False)
        self.assertEqual((s.timeout, s.shared_secret, s.create_users), (2.0, "x", False))

    def test_legacy_refusals(self):
        for policy, words in (
                ({"login": {"profile": {"nmae": True}}}, "policy.login.profile: unknown key nmae"),
                ({"registration": {"username": {"enforceLowercase": "yes"}}},
                 "policy.registration.username.enforceLowercase: expected true or false"),
                ({"everything": {}}, "policy: unknown key everything"),
                ([], "policy: expected a mapping")):
            with self.subTest(policy=policy):
                with self.assertRaises(Exception) as cm:
                    self.parse(policy=policy)
                self.assertIn(words, str(cm.exception))
        with self.assertRaises(Exception) as cm:
            self.parse(policy={}, display_name="replace")
        self.assertIn("say the same thing", str(cm.exception))


class LegacyMode(unittest.IsolatedAsyncioTestCase):
    """Loaded from password_providers: Synapse builds it with config= and
    account_handler= and registers what it finds on the object itself."""

    def setUp(self):
        self.mxgate = CheckCredentialsStandin([alice()])
        self.addCleanup(self.mxgate.close)
        self.api = ModuleApiStandin()
        cfg = mod.MxgateAuthProvider.parse_config(
            {"endpoint": self.mxgate.url,
             "policy": {"login": {"profile": {"name": True}}}})
        self.provider = mod.MxgateAuthProvider(config=cfg, account_handler=self.api)

    def test_registers_nothing_itself(self):
        self.assertIsNone(self.api.callbacks)
        self.assertEqual(self.provider.get_supported_login_types(),
                         {"m.login.password": ("password",)})

    async def test_login_through_the_legacy_entry_points(self):
        self.api.add_account("@alice:example.org", "Old")
        self.assertEqual(await self.provider.check_auth(
            "alice", "m.login.password", {"password": PASSWORD}), ("@alice:example.org", None))
        self.assertEqual(self.api.accounts["@alice:example.org"].display_name, "Alice Ängström")
        self.assertEqual(await self.provider.check_3pid_auth(
            "msisdn", "447700900123", PASSWORD), ("@alice:example.org", None))


class ParseConfigRefusals(unittest.TestCase):
    def refused(self, cfg, *words):
        with self.assertRaises(Exception) as cm:
            mod.MxgateAuthProvider.parse_config(cfg)
        if FAKE_SYNAPSE:
            self.assertIsInstance(cm.exception, ConfigError)
        for w in words:
            self.assertIn(w, str(cm.exception))

    def test_refusals(self):
        ok = "http://127.0.0.1:8091"
        self.refused({}, "endpoint: required")
        self.refused(None, "endpoint: required")
        self.refused("http://x", "config: expected a mapping")
        self.refused({"endpoint": ""}, "endpoint")
        self.refused({"endpoint": 8091}, "endpoint")
        self.refused({"endpoint": "ftp://x"}, "not an http:// or https:// URL")
        self.refused({"endpoint": "127.0.0.1:8091"}, "not an http:// or https:// URL")
        self.refused({"endpoint": "http://u:p@x"}, "no user, query or fragment")
        self.refused({"endpoint": "http://x:99999"}, "invalid port")
        self.refused({"endpoint": ok, "endpiont": ok}, "unknown key endpiont")
        self.refused({"endpoint": ok, "timeout": 0}, "timeout")
        self.refused({"endpoint": ok, "timeout": -1}, "timeout")
        self.refused({"endpoint": ok, "timeout": True}, "timeout")
        self.refused({"endpoint": ok, "timeout": "5s"}, "timeout")
        self.refused({"endpoint": ok, "timeout": 1000}, "timeout")
        self.refused({"endpoint": ok, "shared_secret": ""}, "shared_secret")
        self.refused({"endpoint": ok, "shared_secret": "a\nb"}, "shared_secret")
        self.refused({"endpoint": ok, "lowercase_localparts": "yes"},
                     "lowercase_localparts: expected true or false")
        self.refused({"endpoint": ok, "create_users": 1}, "create_users")
        self.refused({"endpoint": ok, "display_name": "overwrite"},
                     "display_name: expected one of keep, merge, replace, ignore")
        self.refused({"endpoint": ok, "threepids": True}, "threepids: expected one of")

    def test_accepted(self):
        s = mod.MxgateAuthProvider.parse_config({
            "endpoint": "https://mxgate.internal:8443/", "timeout": 2.5,
            "shared_secret": "s", "lowercase_localparts": False, "display_name": "merge",
            "threepids": "replace", "create_users": False})
        self.assertEqual(s.url, "https://mxgate.internal:8443" + CHECK_PATH)
        self.assertEqual((s.timeout, s.lowercase_localparts, s.display_name, s.threepids,
                          s.create_users), (2.5, False, "merge", "replace", False))

    def test_without_synapse_a_value_error(self):
        saved = {k: sys.modules.pop(k) for k in list(sys.modules)
                 if k == "synapse" or k.startswith("synapse.")}
        sys.modules["synapse"] = None  # import synapse... now fails
        try:
            with self.assertRaises(ValueError):
                mod.parse_config({})
        finally:
            del sys.modules["synapse"]
            sys.modules.update(saved)

    def test_needs_defer_to_thread(self):
        api = ModuleApiStandin()
        del_attr = type("OldApi", (), {"register_password_auth_provider_callbacks":
                                       lambda self, **kw: None})()
        with self.assertRaises(Exception) as cm:
            mod.MxgateAuthProvider({"endpoint": "http://127.0.0.1:1"}, del_attr)
        self.assertIn("1.49", str(cm.exception))
        self.assertIsNone(api.callbacks)


if __name__ == "__main__":
    unittest.main()
