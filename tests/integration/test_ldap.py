"""test_ldap.py: the ldap store module against a real slapd (tests/peers/slapd.py,
2,000 generated people and named fixtures, a server size limit of 500),
through the admin tools: mxgate auth-test (OpenLDAP and Active Directory
presets, the login filter, capitals, 3PID logins), lookup (phone numbers
stored in international and national forms), search, profile, and filter
injection attempts that must match nothing and crash nothing."""

from harness import check, test, main
from ldap_env import (ad_store, auth_test, config, daemon, ldap_server, lookup, mxid, ok_as,
                      openldap_store, profile, said, search)

_cfg = {}


def cfg_path():
    """One config for the file: the OpenLDAP-style store first, the
    AD-style one after it."""
    if "path" not in _cfg:
        ldap = ldap_server()
        d = daemon(config(openldap_store(ldap), ad_store(ldap)), start=False)
        _cfg["path"] = d.config_path
    return _cfg["path"]


@test
def auth_openldap():
    ldap, c = ldap_server(), cfg_path()
    p = ldap.people[41]		# user00042
    r = auth_test(c, p.uid, p.password)
    check("auth: localpart", ok_as(r, p.uid), r)
    check("auth: the OpenLDAP store answered, per-store line",
          r.stores.get("corp", "").startswith("ok " + mxid(p.uid)), r)
    check("auth: display name from displayName", r.field("display_name") == [p.display], r)
    check("auth: e-mail in the profile", p.mails[0] in r.field("email"), r)
    check("auth: phone (international form in LDAP) as E.164", p.e164s()[0] in r.field("msisdn"), r)
    r = auth_test(c, mxid(p.uid), p.password)
    check("auth: full Matrix ID", ok_as(r, p.uid), r)
    r = auth_test(c, p.uid.capitalize(), p.password)
    check("auth: capitalised login gives the lowercased localpart", ok_as(r, p.uid), r)
    r = auth_test(c, p.mails[0].upper(), p.password)
    check("auth: e-mail login (any case)", ok_as(r, p.uid), r)
    q = ldap.people[14]		# user00015: +44 7700 900015 and mobile 07800 800015
    r = auth_test(c, "+" + q.e164s()[0], q.password)
    check("auth: phone login (stored +44 7700 ...)", ok_as(r, q.uid), r)
    r = auth_test(c, q.e164s()[1], q.password, medium="msisdn")
    check("auth: phone login (stored in national form 07800 ...)", ok_as(r, q.uid), r)

    r = auth_test(c, p.uid, p.password + "x")
    check("auth: wrong password is denied", said(r, "denied"), r)
    check("auth: wrong password: the store says denied",
          r.stores.get("corp", "").startswith("denied"), r)
    r = auth_test(c, p.uid, "")
    check("auth: empty password is denied (no anonymous bind)", said(r, "denied"), r)
    r = auth_test(c, "nosuchuser", "whatever")
    check("auth: unknown user is not found", said(r, "not found"), r)
    r = auth_test(c, "nosuchuser@example.org", "whatever")
    check("auth: unknown e-mail is not found", said(r, "not found"), r)

    out = ldap.fixture("outsider")
    r = auth_test(c, out.uid, out.password)
    check("auth: right password but outside the login_filter group is refused",
          r.rc == 1 and said(r, "denied", "disabled", "not found"), r)
    check("auth: outside the group: the OpenLDAP store does not say ok",
          not r.stores.get("corp", "").startswith("ok"), r)

    zoe = ldap.fixture("nonascii")
    r = auth_test(c, zoe.uid, zoe.password)
    check("auth: non-ASCII display name printed intact",
          ok_as(r, "zoe") and r.field("display_name") == ["Zoë Ångström"], r)
    check("auth: national mobile %s as E.164" % zoe.phones[0][1],
          r.field("msisdn") == zoe.e164s(), r)
    cap = ldap.fixture("capitals")
    r = auth_test(c, cap.uid, cap.password)
    check("auth: uid JSmith gives @jsmith", ok_as(r, "jsmith"), r)
    r = auth_test(c, "@JSMITH:example.org", cap.password)
    check("auth: @JSMITH:example.org gives @jsmith", ok_as(r, "jsmith"), r)
    r = auth_test(c, "jane.smithers@example.org", cap.password)
    check("auth: mixed-case mail in LDAP, lower-case login", ok_as(r, "jsmith"), r)
    cn = ldap.fixture("cnonly")
    r = auth_test(c, cn.uid, cn.password)
    check("auth: no displayName: the display name falls back to cn",
          ok_as(r, "cnonly") and r.field("display_name") == [cn.cn], r)


@test
def auth_active_directory():
    ldap, c = ldap_server(), cfg_path()
    jd = ldap.fixture("ad")
    r = auth_test(c, "JDoe", jd.password)
    check("AD: sAMAccountName login gives the lowercased localpart", ok_as(r, "jdoe"), r)
    check("AD: the OpenLDAP store did not know JDoe, the AD store did",
          r.stores.get("corp") == "not found" and r.stores.get("ad", "").startswith("ok"), r)
    r = auth_test(c, "jdoe@corp.example", jd.password, medium="email")
    check("AD: userPrincipalName login", ok_as(r, "jdoe"), r)
    r = auth_test(c, "john.doe@corp.example", jd.password)
    check("AD: mail login", ok_as(r, "jdoe"), r)
    r = auth_test(c, "jdoe", jd.password + "!")
    check("AD: wrong password denied", said(r, "denied"), r)
    old = ldap.fixture("ad_disabled")
    r = auth_test(c, "OldAcct", old.password)
    check("AD: disabled account (userAccountControl 514) cannot log in",
          said(r, "not found", "denied", "disabled"), r)
    r = auth_test(c, "sales", "anything")
    check("AD: a group (sAMAccountType 268435456) is not a user", said(r, "not found"), r)


@test
def lookups():
    ldap, c = ldap_server(), cfg_path()
    last = ldap.people[-1]
    r = lookup(c, "email", last.mails[0])
    check("lookup: e-mail of the last generated person", ok_as(r, last.uid), r)
    r = lookup(c, "email", last.mails[0].upper())
    check("lookup: e-mail in capitals", ok_as(r, last.uid), r)
    q = ldap.people[1994]		# user01995: both phone forms
    intl, national = q.e164s()
    r = lookup(c, "msisdn", intl)
    check("lookup: phone stored as +44 7700 ... (international)", ok_as(r, q.uid), r)
    r = lookup(c, "msisdn", national)
    check("lookup: phone stored as 07800 ... (national, default_region GB)", ok_as(r, q.uid), r)
    r = lookup(c, "msisdn", ldap.fixture("nonascii").e164s()[0])
    check("lookup: zoe's national mobile", ok_as(r, "zoe"), r)
    r = lookup(c, "email", "john.doe@corp.example")
    check("lookup: the AD store answers for its people", ok_as(r, "jdoe"), r)
    r = lookup(c, "email", "nobody@example.org")
    check("lookup: unknown e-mail is not found", said(r, "not found"), r)
    r = lookup(c, "msisdn", "447700911111")
    check("lookup: unknown phone is not found", said(r, "not found"), r)
    r = lookup(c, "email", "*@example.org")
    check("lookup: a wildcard address matches nothing (or is refused as an address)",
          (r.rc == 1 and said(r, "not found")) or (r.rc == 2 and "not a valid" in r.err), r)


def matching(ldap, term):
    """Who a substring search for term should find in the OpenLDAP base
    (name, uid or mail contain it, case-insensitive)."""
    t = term.lower()
    return {mxid(p.localpart) for p in ldap.people + ldap.fixtures
            if p.uid and any(t in v.lower() for v in [p.uid, p.cn, p.display] + p.mails)}


@test
def directory_search():
    ldap, c = ldap_server(), cfg_path()
    term = "Xavier Lindq"
    want = matching(ldap, term)
    r = search(c, term, limit=50)
    check("search: a name substring finds exactly the matching people (%d)" % len(want),
          r.rc == 0 and r.ids() == want and len(want) > 0, (want, r))
    term = "user0199"
    want = matching(ldap, term)
    r = search(c, term, limit=50)
    check("search: a uid/mail substring finds exactly the matching people (%d)" % len(want),
          r.rc == 0 and r.ids() == want and len(want) > 0, (want, r))
    r = search(c, "zoe.angstrom@", limit=10)
    check("search: by mail, display name intact",
          ("@zoe:example.org", "Zoë Ångström") in r.people, r)
    r = search(c, "Ångström", limit=10)
    check("search: a non-ASCII term", r.ids() == {"@zoe:example.org"}, r)
    r = search(c, "Smithers", limit=10)
    check("search: capitals in uid give a lowercased ID", r.ids() == {"@jsmith:example.org"}, r)
    r = search(c, "John Do", limit=10)
    check("search: the AD store's people are found too", "@jdoe:example.org" in r.ids(), r)
    r = search(c, "Old Acc", limit=10)
    check("search: a disabled AD account is not in the directory",
          "@oldacct:example.org" not in r.ids(), r)
    r = search(c, "user0", limit=5)
    check("search: a limit is honoured and reported",
          r.rc == 0 and len(r.people) == 5 and "limited" in (r.verdict or ""), r)
    for term in ("a", "", " a "):
        r = search(c, term)
        check("search: term %r finds nobody (too short)" % term,
              r.rc == 1 and r.people == [] and (r.verdict or "").startswith("0 found"), r)


# Filter injection: every one of these, as a search term or a login, must
# match nothing (a leaked wildcard would find people) and crash nothing.
INJECTIONS = ["*", "**", ")(uid=*", "*)(|(uid=*", "\\00", "\\2a", "user0004*", "*)(uid=user00042",
              "user00042)(|(objectClass=*)", "(", ")", "\\", "uid=*", "a" * 4096,
              "*" * 4096, "\u00e9*\u00e9"]


@test
def injection():
    ldap, c = ldap_server(), cfg_path()
    p = ldap.people[41]		# user00042
    for term in INJECTIONS:
        shown = term if len(term) < 40 else "%s... (%d chars)" % (term[:8], len(term))
        r = search(c, term, limit=50)
        check("injection: search %r finds nobody, no crash" % shown,
              r.rc == 1 and r.people == [] and r.verdict is not None, r)
        r = auth_test(c, term, p.password)
        check("injection: login %r with a real password is refused, no crash" % shown,
              r.rc == 1 and r.verdict is not None and "-> @" not in r.out, r)
    # With the store's own filter pieces: a login that closes the filter.
    r = auth_test(c, "user00042)(uid=*", p.password)
    check("injection: 'user00042)(uid=*' is not user00042",
          r.rc == 1 and r.verdict is not None and "-> @" not in r.out, r)
    # A NUL byte cannot travel in argv: test_ldap_daemon.py sends one in JSON.


@test
def profiles():
    ldap, c = ldap_server(), cfg_path()
    p = ldap.people[41]
    r = profile(c, mxid(p.uid))
    check("profile: ok, answered by the OpenLDAP store",
          r.rc == 0 and (r.verdict or "").startswith("ok (store corp)"), r)
    check("profile: display name", r.field("display_name") == [p.display], r)
    check("profile: 3PIDs", set(r.field("email")) == set(p.mails) and
          set(r.field("msisdn")) == set(p.e164s()), r)
    r = profile(c, "@zoe:example.org")
    check("profile: non-ASCII display name", r.field("display_name") == ["Zoë Ångström"], r)
    r = profile(c, "@jsmith:example.org")
    check("profile: a lowercased ID finds uid JSmith",
          r.rc == 0 and r.field("display_name") == ["Jane Smithers"], r)
    r = profile(c, "@jdoe:example.org")
    check("profile: AD person", r.rc == 0 and "john.doe@corp.example" in r.field("email"), r)
    r = profile(c, "@nobody:example.org")
    check("profile: unknown person not found", said(r, "not found"), r)
    r = profile(c, "@user00042:elsewhere.org")
    check("profile: another server's ID is not ours", said(r, "not found"), r)
    r = profile(c, "@*:example.org")
    check("profile: a wildcard ID matches nothing", said(r, "not found"), r)


if __name__ == "__main__":
    main()
