#!/usr/bin/env python3
"""slapd.py: a throwaway OpenLDAP server for the LDAP store's tests and bench.

Built from scratch under one directory: a cn=config LDIF (back_mdb, the
memberof overlay, core/cosine/inetorgperson and a tiny Active-Directory-like
schema), a generated directory loaded with `slapadd -q`, optionally a
throwaway CA and server certificate for ldaps:// and StartTLS, then slapd on
127.0.0.1.  Standard library only.

As a module:

    from slapd import Slapd
    with Slapd(tmpdir, users=2000, tls=True) as ldap:
        ldap.uri, ldap.ldaps_uri, ldap.ca_file, ldap.bind_dn, ldap.bind_password
        ldap.people            # every person generated, with passwords
        ldap.stop(); ldap.restart()

As a CLI (slapd then detaches and outlives the command):

    python3 tests/peers/slapd.py start DIR --port P [--users N] [--tls]
    python3 tests/peers/slapd.py stop DIR

The directory (suffix dc=example,dc=org):
  ou=people   uid=userNNNNN (N generated people, every one in cn=matrix) and
              the fixtures: zoe (non-ASCII display name), outsider (not in
              cn=matrix), JSmith (capitals in uid), cnonly (no displayName)
  ou=ad       AD-style entries: JDoe (enabled user), OldAcct (disabled,
              userAccountControl 514), sales (a group, not a user)
  ou=groups   cn=matrix (groupOfNames; memberOf on the people)
  ou=services cn=mxgate, the service account (may read everything)
Anonymous may only `auth` on userPassword; people may read their own entry
(everyone's with users_read / --users-read: the bench's one-connection
baseline searches while bound as the previous person).
The database's size limit (default 500) is below the people count, so a
client that wants everyone must page (RFC 2696).
"""

import argparse
import atexit
import base64
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time

SUFFIX = "dc=example,dc=org"
PEOPLE = "ou=people," + SUFFIX
AD = "ou=ad," + SUFFIX
GROUP_DN = "cn=matrix,ou=groups," + SUFFIX
SERVICE_DN = "cn=mxgate,ou=services," + SUFFIX
ROOT_DN = "cn=admin," + SUFFIX
MODULE_PATH = "/usr/lib/ldap"
SCHEMA_DIR = "/etc/ldap/schema"

# The AD preset's filter values.
AD_USER_TYPE = 805306368	# SAM_NORMAL_USER_ACCOUNT
AD_GROUP_TYPE = 268435456	# SAM_GROUP_OBJECT
AD_ENABLED = 512		# NORMAL_ACCOUNT
AD_DISABLED = 514		# NORMAL_ACCOUNT | ACCOUNTDISABLE

FIRST = ["Alice", "Bruno", "Chloe", "Dmitri", "Elena", "Farid", "Greta", "Hiro", "Ines",
         "Jonas", "Kirsten", "Liam", "Maya", "Nils", "Olga", "Pavel", "Quentin", "Rosa",
         "Sven", "Tariq", "Ursula", "Viktor", "Wanda", "Xavier", "Yusuf", "Zelda"]
LAST = ["Abbott", "Berger", "Castro", "Dubois", "Eriksen", "Fischer", "Garcia", "Horvat",
        "Ivanova", "Jensen", "Kowalski", "Lindqvist", "Moreau", "Novak", "Okafor", "Petrov",
        "Quinn", "Rossi", "Schmidt", "Tanaka", "Umarov", "Varga", "Weber", "Yilmaz"]

# Made-up OIDs under 1.3.6.1.4.1.32473, the documentation enterprise number
# (RFC 5612).  The INTEGER syntax with integerMatch is what lets slapd apply
# the bitwise-AND rule 1.2.840.113556.1.4.803 of the AD preset's filter.
AD_SCHEMA = """\
dn: cn=adlike,cn=schema,cn=config
objectClass: olcSchemaConfig
cn: adlike
olcAttributeTypes: ( 1.3.6.1.4.1.32473.1.1.1 NAME 'sAMAccountName'
  EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15{256} SINGLE-VALUE )
olcAttributeTypes: ( 1.3.6.1.4.1.32473.1.1.2 NAME 'userPrincipalName'
  EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15{1024} SINGLE-VALUE )
olcAttributeTypes: ( 1.3.6.1.4.1.32473.1.1.3 NAME 'sAMAccountType'
  EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
olcAttributeTypes: ( 1.3.6.1.4.1.32473.1.1.4 NAME 'userAccountControl'
  EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
olcObjectClasses: ( 1.3.6.1.4.1.32473.1.2.1 NAME 'mxgateTestADAccount'
  SUP top AUXILIARY
  MAY ( sAMAccountName $ userPrincipalName $ sAMAccountType $ userAccountControl ) )
"""


def ssha(password, salt=None):
    """An {SSHA} userPassword value (what slappasswd -h {SSHA} makes)."""
    salt = salt or os.urandom(8)
    digest = hashlib.sha1(password.encode("utf-8") + salt).digest()
    return "{SSHA}" + base64.b64encode(digest + salt).decode()


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def e164_uk(national):
    """'07700 900123' -> '447700900123' (the store's default_region GB)."""
    digits = "".join(c for c in national if c.isdigit())
    return "44" + digits[1:]


def _b64_if_needed(attr, value):
    """One LDIF line, base64 when the value is not plain ASCII (RFC 2849)."""
    if (value and (value[0] in " :<" or value[-1] == " ")) or any(
            ord(c) > 126 or ord(c) < 32 for c in value):
        return "%s:: %s" % (attr, base64.b64encode(value.encode("utf-8")).decode())
    return "%s: %s" % (attr, value)


class Person(dict):
    """One person of the directory: dn, uid (or None for AD entries),
    localpart (what the store should make of it), display (displayName, or
    cn when there is none), mails, phones [(attr, value as stored, E.164)],
    password, in_group, ad (dict of AD attributes or None)."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name)

    def e164s(self):
        return [p[2] for p in self["phones"]]


def password_for(uid):
    return "s3cret-%s" % uid.lower()


def generate_people(count):
    """The generated people and the fixtures, deterministic (so tests can
    compute what a search should find instead of hard-coding it)."""
    people = []
    for i in range(1, count + 1):
        uid = "user%05d" % i
        first = FIRST[i % len(FIRST)]
        last = LAST[(i // len(FIRST)) % len(LAST)]
        phones = []
        if i % 3 == 0:		# international form, spaces
            phones.append(("telephoneNumber", "+44 7700 9%05d" % i, "4477009%05d" % i))
        if i % 5 == 0:		# national form (default_region GB)
            national = "07800 8%05d" % i
            phones.append(("mobile", national, e164_uk(national)))
        people.append(Person(
            dn="uid=%s,%s" % (uid, PEOPLE), uid=uid, localpart=uid, cn="%s %s" % (first, last),
            display="%s %s" % (first, last), display_attr=True,
            given=first, sn=last, mails=["%s@example.org" % uid], phones=phones,
            password=password_for(uid), in_group=True, ad=None, fixture=None))
    fixtures = [
        Person(dn="uid=zoe,%s" % PEOPLE, uid="zoe", localpart="zoe", cn="Zoë Ångström",
               display="Zoë Ångström", display_attr=True, given="Zoë", sn="Ångström",
               mails=["zoe.angstrom@example.org"],
               phones=[("mobile", "07911 123456", "447911123456")],
               password=password_for("zoe"), in_group=True, ad=None, fixture="nonascii"),
        Person(dn="uid=outsider,%s" % PEOPLE, uid="outsider", localpart="outsider",
               cn="Otto Outsider", display="Otto Outsider", display_attr=True, given="Otto",
               sn="Outsider", mails=["outsider@example.org"],
               phones=[("telephoneNumber", "+44 7911 654321", "447911654321")],
               password=password_for("outsider"), in_group=False, ad=None, fixture="outsider"),
        Person(dn="uid=JSmith,%s" % PEOPLE, uid="JSmith", localpart="jsmith",
               cn="Jane Smithers", display="Jane Smithers", display_attr=True, given="Jane",
               sn="Smithers", mails=["Jane.Smithers@Example.org"], phones=[],
               password=password_for("JSmith"), in_group=True, ad=None, fixture="capitals"),
        Person(dn="uid=cnonly,%s" % PEOPLE, uid="cnonly", localpart="cnonly",
               cn="Carl Cnonly", display="Carl Cnonly", display_attr=False, given="Carl",
               sn="Cnonly", mails=["carl.cnonly@example.org"], phones=[],
               password=password_for("cnonly"), in_group=True, ad=None, fixture="cnonly"),
        Person(dn="cn=John Doe,%s" % AD, uid=None, localpart="jdoe", cn="John Doe",
               display="John Doe", display_attr=True, given="John", sn="Doe",
               mails=["john.doe@corp.example"],
               phones=[("telephoneNumber", "+44 20 7946 0001", "442079460001")],
               password=password_for("JDoe"), in_group=True, fixture="ad",
               ad={"sAMAccountName": "JDoe", "userPrincipalName": "jdoe@corp.example",
                   "sAMAccountType": AD_USER_TYPE, "userAccountControl": AD_ENABLED}),
        Person(dn="cn=Old Account,%s" % AD, uid=None, localpart="oldacct", cn="Old Account",
               display="Old Account", display_attr=True, given="Old", sn="Account",
               mails=["old.account@corp.example"], phones=[],
               password=password_for("OldAcct"), in_group=True, fixture="ad_disabled",
               ad={"sAMAccountName": "OldAcct", "userPrincipalName": "old@corp.example",
                   "sAMAccountType": AD_USER_TYPE, "userAccountControl": AD_DISABLED}),
    ]
    # Every 3PID belongs to one person: a lookup must have one answer.
    seen = {}
    for p in people + fixtures:
        for addr in [m.lower() for m in p.mails] + p.e164s():
            if seen.setdefault(addr, p.dn) != p.dn:
                raise SlapdError("%s is both %s's and %s's" % (addr, seen[addr], p.dn))
    return people, fixtures


class SlapdError(Exception):
    pass


def _die_with_parent():
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Slapd:
    """One throwaway slapd.  Slapd(dir, ...) builds it (unless dir already
    holds one, then it is reused as built) and, with start=True, starts it;
    stop(), kill(), restart() (same ports, same data).  Stopped at exit of
    the Python process whatever happens (atexit), and in foreground mode
    (the default for the module) killed with it even by SIGKILL."""

    def __init__(self, directory, port=None, tls_port=None, users=2000, tls=False,
                 size_limit=500, start=True, foreground=True, threads=None, users_read=False):
        self.dir = os.path.abspath(directory)
        self.state_path = os.path.join(self.dir, "state.json")
        self.foreground = foreground
        self.proc = None
        self.pid = None
        self._log = None
        if os.path.exists(self.state_path):
            with open(self.state_path) as f:
                self.state = json.load(f)
        else:
            self.state = {"port": port or free_port(),
                          "tls_port": (tls_port or free_port()) if tls else None,
                          "users": users, "tls": tls, "size_limit": size_limit,
                          "threads": threads or 16, "users_read": users_read,
                          "bind_password": secrets.token_urlsafe(18),
                          "root_password": secrets.token_urlsafe(18)}
            self._build()
        self.people, self.fixtures = generate_people(self.state["users"])
        atexit.register(self.stop)
        if start:
            self.start()

    # --- facts tests need ---------------------------------------------------

    suffix = SUFFIX
    people_base = PEOPLE
    ad_base = AD
    group_dn = GROUP_DN
    bind_dn = SERVICE_DN

    @property
    def port(self):
        return self.state["port"]

    @property
    def tls_port(self):
        return self.state["tls_port"]

    @property
    def uri(self):
        return "ldap://127.0.0.1:%d/" % self.port

    @property
    def ldaps_uri(self):
        return "ldaps://127.0.0.1:%d/" % self.tls_port if self.tls_port else None

    @property
    def bind_password(self):
        return self.state["bind_password"]

    @property
    def bind_password_file(self):
        return os.path.join(self.dir, "bind_password")

    @property
    def ca_file(self):
        return os.path.join(self.dir, "tls", "ca.pem") if self.state["tls"] else None

    @property
    def wrong_ca_file(self):
        """A CA that did not sign the server's certificate."""
        return os.path.join(self.dir, "tls", "wrong-ca.pem") if self.state["tls"] else None

    @property
    def size_limit(self):
        return self.state["size_limit"]

    def fixture(self, name):
        for p in self.fixtures:
            if p.fixture == name:
                return p
        raise KeyError(name)

    def everyone(self):
        """Generated people and fixtures of ou=people (the openldap preset's
        base), then the AD entries."""
        return self.people + self.fixtures

    # --- building -----------------------------------------------------------

    def _path(self, *parts):
        return os.path.join(self.dir, *parts)

    def _run(self, cmd, **kw):
        p = subprocess.run(cmd, capture_output=True, text=True, **kw)
        if p.returncode != 0:
            raise SlapdError("%s exited %d:\n%s%s" % (cmd[0], p.returncode, p.stdout, p.stderr))
        return p

    def _build(self):
        os.makedirs(self.dir, exist_ok=True)
        for sub in ("slapd.d", "data"):
            path = self._path(sub)
            shutil.rmtree(path, ignore_errors=True)
            os.makedirs(path)
        if self.state["tls"]:
            self._make_certs()
        with open(self._path("config.ldif"), "w") as f:
            f.write(self._config_ldif())
        self._run(["slapadd", "-n", "0", "-F", self._path("slapd.d"), "-l",
                   self._path("config.ldif")])
        people, fixtures = generate_people(self.state["users"])
        with open(self._path("data.ldif"), "w", encoding="utf-8") as f:
            self._write_data(f, people, fixtures)
        self._run(["slapadd", "-q", "-n", "1", "-F", self._path("slapd.d"), "-l",
                   self._path("data.ldif")])
        fd = os.open(self.bind_password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(self.state["bind_password"] + "\n")
        with open(self.state_path, "w") as f:
            json.dump(self.state, f)

    def _make_certs(self):
        """A CA, a server certificate it signs (127.0.0.1 and localhost), and
        an unrelated CA for the refusal tests.  EC keys: quick to make."""
        tls = self._path("tls")
        os.makedirs(tls, exist_ok=True)
        key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        for name, cn in (("ca", "mxgate test CA"), ("wrong-ca", "some other CA")):
            self._run(["openssl", "req", "-x509"] + key + [
                "-keyout", os.path.join(tls, name + ".key"), "-out", os.path.join(tls, name + ".pem"),
                "-days", "7", "-subj", "/CN=" + cn,
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        self._run(["openssl", "req", "-new"] + key + [
            "-keyout", os.path.join(tls, "server.key"), "-out", os.path.join(tls, "server.csr"),
            "-subj", "/CN=127.0.0.1"])
        ext = os.path.join(tls, "server.ext")
        with open(ext, "w") as f:
            f.write("basicConstraints=CA:FALSE\n"
                    "keyUsage=critical,digitalSignature,keyEncipherment\n"
                    "extendedKeyUsage=serverAuth\n"
                    "subjectAltName=IP:127.0.0.1,DNS:localhost\n")
        self._run(["openssl", "x509", "-req", "-in", os.path.join(tls, "server.csr"),
                   "-CA", os.path.join(tls, "ca.pem"), "-CAkey", os.path.join(tls, "ca.key"),
                   "-CAcreateserial", "-days", "7", "-extfile", ext,
                   "-out", os.path.join(tls, "server.pem")])

    def _config_ldif(self):
        st = self.state
        tls = ""
        if st["tls"]:
            t = self._path("tls")
            tls = ("olcTLSCertificateFile: %s/server.pem\n"
                   "olcTLSCertificateKeyFile: %s/server.key\n"
                   "olcTLSCACertificateFile: %s/ca.pem\n" % (t, t, t))
        schemas = "".join("include: file://%s/%s.ldif\n" % (SCHEMA_DIR, s)
                          for s in ("core", "cosine", "inetorgperson"))
        indexes = "".join("olcDbIndex: %s\n" % i for i in (
            "objectClass eq", "uid eq,sub", "mail eq,sub", "cn eq,sub", "displayName eq,sub",
            "telephoneNumber eq", "mobile eq", "member eq", "memberOf eq",
            "sAMAccountName eq", "userPrincipalName eq"))
        # size.prtotal: paged searches may see everyone, page by page;
        # unpaged ones stop at the limit (what makes paging necessary).
        limit = st["size_limit"]
        return """\
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: {dir}/slapd.pid
olcArgsFile: {dir}/slapd.args
olcLogLevel: none
olcThreads: {threads}
olcIndexSubstrAnyLen: 3
{tls}
dn: cn=module{{0}},cn=config
objectClass: olcModuleList
cn: module{{0}}
olcModulePath: {modpath}
olcModuleLoad: {{0}}back_mdb
olcModuleLoad: {{1}}memberof

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

{schemas}
{adschema}
dn: olcDatabase={{-1}}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {{-1}}frontend

dn: olcDatabase={{0}}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {{0}}config
olcAccess: {{0}}to * by * none

dn: olcDatabase={{1}}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {{1}}mdb
olcDbDirectory: {dir}/data
olcDbMaxSize: 1073741824
olcSuffix: {suffix}
olcRootDN: {rootdn}
olcRootPW: {rootpw}
olcSizeLimit: size.soft={limit} size.hard={limit} size.prtotal=unlimited
{indexes}olcAccess: {{0}}to attrs=userPassword by anonymous auth by * none
olcAccess: {{1}}to * by dn.exact="{service}" read by self read{users} by * none

dn: olcOverlay={{0}}memberof,olcDatabase={{1}}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcMemberOf
olcOverlay: {{0}}memberof
olcMemberOfRefInt: TRUE
olcMemberOfGroupOC: groupOfNames
olcMemberOfMemberAD: member
olcMemberOfMemberOfAD: memberOf
""".format(dir=self.dir, threads=st["threads"], tls=tls, modpath=MODULE_PATH,
           schemas=schemas, adschema=AD_SCHEMA, suffix=SUFFIX, rootdn=ROOT_DN,
           rootpw=ssha(st["root_password"]), limit=limit, indexes=indexes,
           service=SERVICE_DN, users=" by users read" if st.get("users_read") else "")

    def _write_data(self, f, people, fixtures):
        def entry(dn, *lines):
            f.write(_b64_if_needed("dn", dn) + "\n")
            for attr, value in lines:
                f.write(_b64_if_needed(attr, str(value)) + "\n")
            f.write("\n")

        entry(SUFFIX, ("objectClass", "dcObject"), ("objectClass", "organization"),
              ("dc", "example"), ("o", "Example"))
        for ou in ("people", "ad", "groups", "services"):
            entry("ou=%s,%s" % (ou, SUFFIX), ("objectClass", "organizationalUnit"), ("ou", ou))
        entry(SERVICE_DN, ("objectClass", "organizationalRole"),
              ("objectClass", "simpleSecurityObject"), ("cn", "mxgate"),
              ("userPassword", ssha(self.state["bind_password"])))
        # slapadd does not run overlays: memberOf is written out here, as
        # the memberof overlay would have kept it.
        for p in people + fixtures:
            lines = [("objectClass", "inetOrgPerson")]
            if p.ad:
                lines.append(("objectClass", "mxgateTestADAccount"))
            else:
                lines.append(("uid", p.uid))
            lines += [("cn", p.cn), ("sn", p.sn), ("givenName", p.given)]
            if p.display_attr:
                lines.append(("displayName", p.display))
            lines += [("mail", m) for m in p.mails]
            lines += [(attr, value) for attr, value, _ in p.phones]
            lines.append(("userPassword", ssha(p.password, b"fixedslt")))
            if p.ad:
                lines += sorted(p.ad.items())
            if p.in_group:
                lines.append(("memberOf", GROUP_DN))
            entry(p.dn, *lines)
        entry("cn=Sales,%s" % AD, ("objectClass", "groupOfNames"),
              ("objectClass", "mxgateTestADAccount"), ("cn", "Sales"),
              ("sAMAccountName", "sales"), ("sAMAccountType", AD_GROUP_TYPE),
              ("member", fixtures[4].dn))
        entry(GROUP_DN, ("objectClass", "groupOfNames"), ("cn", "matrix"),
              *[("member", p.dn) for p in people + fixtures if p.in_group])

    # --- running --------------------------------------------------------------

    def _urls(self):
        urls = self.uri
        if self.tls_port:
            urls += " " + self.ldaps_uri
        return urls

    def _read_pid(self):
        try:
            with open(self._path("slapd.pid")) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def answers(self):
        """True when slapd answers a root DSE search on the plain port."""
        p = subprocess.run(["ldapsearch", "-x", "-LLL", "-o", "nettimeout=2", "-H", self.uri,
                            "-b", "", "-s", "base", "namingContexts"],
                           capture_output=True, text=True, timeout=10)
        return p.returncode == 0 and SUFFIX in p.stdout

    def running(self):
        if self.proc is not None:
            return self.proc.poll() is None
        return self.pid is not None and _alive(self.pid)

    def start(self, timeout=20.0):
        if self.running():
            return self
        cmd = ["slapd", "-F", self._path("slapd.d"), "-h", self._urls()]
        if self.foreground:
            # -d: no detaching, so the process is our child and dies with us.
            self._log = open(self._path("slapd.log"), "ab")
            self.proc = subprocess.Popen(cmd + ["-d", "0"], stdin=subprocess.DEVNULL,
                                         stdout=self._log, stderr=subprocess.STDOUT,
                                         preexec_fn=_die_with_parent)
            self.pid = self.proc.pid
        else:
            self._run(cmd)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc is not None and self.proc.poll() is not None:
                raise SlapdError("slapd exited %d:\n%s" % (self.proc.returncode, self.log_tail()))
            if self.answers():
                break
            if time.monotonic() > deadline:
                self.kill()
                raise SlapdError("slapd does not answer on %s after %.0f s:\n%s" %
                                 (self.uri, timeout, self.log_tail()))
            time.sleep(0.02)
        if self.proc is None:
            self.pid = self._read_pid()
        return self

    def _signal_and_wait(self, sig, timeout=15.0):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(sig)
                try:
                    self.proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            self.proc = None
        else:
            pid = self.pid or self._read_pid()
            if pid is not None and _alive(pid):
                os.kill(pid, sig)
                deadline = time.monotonic() + timeout
                while _alive(pid) and time.monotonic() < deadline:
                    time.sleep(0.02)
                if _alive(pid):
                    os.kill(pid, signal.SIGKILL)
        self.pid = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def stop(self):
        """SIGTERM and wait: slapd closes its connections and the port."""
        self._signal_and_wait(signal.SIGTERM)

    def kill(self):
        """SIGKILL: the back-end vanishes mid-conversation."""
        self._signal_and_wait(signal.SIGKILL)

    def restart(self):
        """The same slapd again: same ports, same data."""
        self.stop()
        return self.start()

    def log_tail(self, lines=30):
        try:
            with open(self._path("slapd.log"), "rb") as f:
                return "\n".join(f.read().decode("utf-8", "replace").splitlines()[-lines:])
        except OSError:
            return ""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    # --- a client, for checks that do not go through mxgate -----------------

    def search(self, base, filt, attrs=(), bind_dn=None, password=None, extra=()):
        """ldapsearch as the service account (default); returns
        CompletedProcess (LDIF on stdout)."""
        cmd = ["ldapsearch", "-x", "-LLL", "-o", "ldif-wrap=no", "-H", self.uri,
               "-D", bind_dn or SERVICE_DN, "-w", password or self.bind_password,
               "-b", base] + list(extra) + [filt] + list(attrs)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (our own child not yet reaped) is dead for our purposes.
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def main(argv=None):
    ap = argparse.ArgumentParser(description="A throwaway slapd for mxgate's LDAP tests.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    st = sub.add_parser("start", help="build (unless DIR holds one) and start slapd")
    st.add_argument("dir")
    st.add_argument("--port", type=int, default=None)
    st.add_argument("--tls-port", type=int, default=None)
    st.add_argument("--users", type=int, default=2000)
    st.add_argument("--tls", action="store_true")
    st.add_argument("--size-limit", type=int, default=500)
    st.add_argument("--threads", type=int, default=None)
    st.add_argument("--users-read", action="store_true",
                    help="people may read the whole directory, not only their entry")
    sp = sub.add_parser("stop", help="stop the slapd of DIR")
    sp.add_argument("dir")
    args = ap.parse_args(argv)

    if args.cmd == "start":
        t0 = time.monotonic()
        s = Slapd(args.dir, port=args.port, tls_port=args.tls_port, users=args.users,
                  tls=args.tls or bool(args.tls_port), size_limit=args.size_limit,
                  threads=args.threads, users_read=args.users_read, start=False,
                  foreground=False)
        atexit.unregister(s.stop)	# the CLI leaves it running
        s.start()
        print("uri=%s" % s.uri)
        if s.ldaps_uri:
            print("ldaps_uri=%s" % s.ldaps_uri)
            print("ca_file=%s" % s.ca_file)
            print("wrong_ca_file=%s" % s.wrong_ca_file)
        print("base_dn=%s" % s.people_base)
        print("bind_dn=%s" % s.bind_dn)
        print("bind_password_file=%s" % s.bind_password_file)
        print("people=%d" % (len(s.people) + len(s.fixtures)))
        print("pid=%d" % s.pid)
        print("seconds=%.2f" % (time.monotonic() - t0))
        return 0
    if not os.path.exists(os.path.join(args.dir, "state.json")):
        print("slapd.py: no slapd built in %s" % args.dir, file=sys.stderr)
        return 1
    s = Slapd(args.dir, start=False, foreground=False)
    atexit.unregister(s.stop)
    s.stop()
    print("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
