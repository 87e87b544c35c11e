"""test_ldap_tls.py: the ldap store module over TLS against a real slapd with
a throwaway CA (tests/peers/slapd.py --tls): ldaps:// and StartTLS with the
right CA, certificate verification on by default (a wrong CA or no CA is
"unavailable" with a TLS reason, never a login failure), tls_verify false,
and the same through the daemon (503)."""

import re

from harness import check, test, main
from ldap_env import (auth_test, check_creds, config, creds_ok, daemon, ldap_server, ok_as,
                      openldap_store, said)

TLS_WORDS = re.compile(r"(?i)tls|ssl|certificat|x\.?509|verif|handshake|trust")


def tool_for(ldap, **keys):
    return daemon(config(openldap_store(ldap, **keys)), start=False).config_path


def refused_for_tls(t):
    """Unavailable, with a reason that says TLS/certificate."""
    return said(t, "unavailable") and bool(TLS_WORDS.search(t.verdict or ""))


@test
def ldaps_and_starttls():
    ldap = ldap_server(tls=True)
    p = ldap.people[10]
    t = auth_test(tool_for(ldap, uris=[ldap.ldaps_uri], ca_file=ldap.ca_file), p.uid, p.password)
    check("ldaps:// with ca_file", ok_as(t, p.uid), t)
    t = auth_test(tool_for(ldap, start_tls=True, ca_file=ldap.ca_file), p.uid, p.password)
    check("ldap:// with start_tls and ca_file", ok_as(t, p.uid), t)
    t = auth_test(tool_for(ldap, start_tls=True, ca_file=ldap.ca_file), p.uid, "wrong")
    check("StartTLS: a wrong password is still denied", said(t, "denied"), t)
    t = auth_test(tool_for(ldap, uris=[ldap.ldaps_uri], ca_file=ldap.ca_file,
                           tls_verify=True), p.uid, p.password)
    check("ldaps:// with tls_verify spelt out true", ok_as(t, p.uid), t)


@test
def verification():
    ldap = ldap_server(tls=True)
    p = ldap.people[11]
    t = auth_test(tool_for(ldap, uris=[ldap.ldaps_uri], ca_file=ldap.wrong_ca_file),
                  p.uid, p.password)
    check("ldaps:// with the wrong CA: unavailable, a TLS reason", refused_for_tls(t), t)
    t = auth_test(tool_for(ldap, uris=[ldap.ldaps_uri]), p.uid, p.password)
    check("ldaps:// with no CA (verification on by default): unavailable, a TLS reason",
          refused_for_tls(t), t)
    t = auth_test(tool_for(ldap, start_tls=True, ca_file=ldap.wrong_ca_file), p.uid, p.password)
    check("StartTLS with the wrong CA: unavailable, a TLS reason", refused_for_tls(t), t)
    t = auth_test(tool_for(ldap, start_tls=True), p.uid, p.password)
    check("StartTLS with no CA: unavailable, a TLS reason", refused_for_tls(t), t)
    t = auth_test(tool_for(ldap, uris=[ldap.ldaps_uri], tls_verify=False), p.uid, p.password)
    check("ldaps:// with tls_verify false and no CA works", ok_as(t, p.uid), t)
    t = auth_test(tool_for(ldap, start_tls=True, tls_verify=False, ca_file=ldap.wrong_ca_file),
                  p.uid, p.password)
    check("StartTLS with tls_verify false works even beside a wrong CA", ok_as(t, p.uid), t)
    # Failover does not fall back to an unverified server.
    t = auth_test(tool_for(ldap, uris=[ldap.ldaps_uri, ldap.uri], start_tls=False,
                           ca_file=ldap.wrong_ca_file), p.uid, p.password)
    check("wrong CA on the first URI: the plain second URI may answer, never a denial",
          ok_as(t, p.uid) or said(t, "unavailable"), t)


@test
def daemon_over_tls():
    ldap = ldap_server(tls=True)
    p = ldap.people[12]
    with daemon(config(openldap_store(ldap, uris=[ldap.ldaps_uri], ca_file=ldap.ca_file))) as d:
        r = check_creds(d, p.uid, p.password)
        check("daemon over ldaps://: check_credentials success", creds_ok(r, p.uid), r)
    with daemon(config(openldap_store(ldap, uris=[ldap.ldaps_uri],
                                      ca_file=ldap.wrong_ca_file))) as d:
        r = check_creds(d, p.uid, p.password)
        check("daemon, wrong CA: check_credentials is 503, not a login failure",
              r.status == 503, r)
        check("daemon, wrong CA: still up", d.get("/health").status == 200, "")


if __name__ == "__main__":
    main()
