"""test_cli.py: the `mxgate` command-line contract (man mxgate(8)): exit codes
0 ok, 1 runtime failure, 2 usage or config error; --help for every command;
a generated config that runs as it is; MXGATE_CONFIG."""

import os
import re
import signal

from harness import Daemon, check, free_port, main, run_cli, test, tmp_dir

COMMANDS = ["serve", "config", "db", "keys", "lookup"]
# Every command line the man page documents, each must answer --help with 0.
HELP_FORMS = [
    ["serve"], ["config"], ["config", "generate"], ["config", "check"],
    ["db"], ["db", "migrate"], ["db", "version"], ["keys"], ["keys", "generate"],
    ["lookup"],
]


@test
def version():
    res = run_cli("--version")
    check("--version exits 0", res.returncode == 0, res.returncode)
    check("--version prints 'mxgate X.Y.Z'",
          re.match(r"^mxgate \d+\.\d+\.\d+", res.stdout) is not None, res.stdout)


@test
def top_help():
    for flag in ("--help", "-h"):
        res = run_cli(flag)
        check("%s exits 0" % flag, res.returncode == 0, res.returncode)
        missing = [c for c in COMMANDS if c not in res.stdout]
        check("%s lists every command" % flag, not missing, "missing %s" % missing)


@test
def usage_errors():
    res = run_cli()
    check("no command exits 2", res.returncode == 2, res.returncode)
    res = run_cli("frobnicate")
    check("unknown command exits 2", res.returncode == 2, res.returncode)
    check("unknown command is named on stderr", "frobnicate" in res.stderr, res.stderr)
    res = run_cli("serve", "--no-such-option")
    check("unknown option exits 2", res.returncode == 2, res.returncode)
    res = run_cli("config", "generate")
    check("config generate without --server-name exits 2", res.returncode == 2,
          res.returncode)
    res = run_cli("lookup", "-c", "/nonexistent/mxgate.yaml")
    check("lookup without MEDIUM ADDRESS exits 2", res.returncode == 2, res.returncode)
    env = {"MXGATE_CONFIG": ""}
    res = run_cli("config", "check", env=env)
    check("config check without -c or MXGATE_CONFIG exits 2", res.returncode == 2,
          res.returncode)


@test
def command_help():
    for form in HELP_FORMS:
        res = run_cli(*form, "--help")
        name = " ".join(form)
        check("%s --help exits 0" % name, res.returncode == 0,
              "%d %s" % (res.returncode, res.stderr.strip()))
        check("%s --help prints a usage" % name, "usage" in res.stdout.lower(),
              res.stdout[:300])


@test
def keys_generate():
    path = os.path.join(tmp_dir("keys"), "signing.key")
    res = run_cli("keys", "generate", "-o", path, "--key-id", "a_test")
    check("keys generate -o exits 0", res.returncode == 0,
          "%d %s" % (res.returncode, res.stderr))
    try:
        with open(path) as f:
            text = f.read()
    except OSError as e:
        check("keys generate wrote the file", False, e)
        return
    # Synapse's format: "ed25519 <key id> <unpadded base64 of a 32-byte seed>"
    check("key file in Synapse format",
          re.fullmatch(r"ed25519 a_test [A-Za-z0-9+/]{43}\n?", text) is not None, text)
    check("key file is private", os.stat(path).st_mode & 0o077 == 0,
          oct(os.stat(path).st_mode))
    res = run_cli("keys", "generate")
    check("keys generate to stdout exits 0", res.returncode == 0, res.returncode)
    check("keys generate to stdout prints a key",
          re.match(r"ed25519 \S+ [A-Za-z0-9+/]{43}", res.stdout) is not None, res.stdout)


def generated_config():
    """`config generate` output, written and moved to a free port."""
    d = tmp_dir("gen")
    data = os.path.join(d, "data")
    os.mkdir(data, 0o700)  # as contrib/quickstart.sh does
    path = os.path.join(d, "mxgate.yaml")
    res = run_cli("config", "generate", "--server-name", "example.test",
                  "--data-dir", data, "-o", path)
    if not check("config generate exits 0", res.returncode == 0,
                 "%d %s" % (res.returncode, res.stderr)):
        return None, None
    with open(path) as f:
        text = f.read()
    check("generated config is commented", text.count("#") >= 5, text[:300])
    check("generated config names the server", "example.test" in text, text[:300])
    check("generated config listens on 127.0.0.1:8090", "127.0.0.1:8090" in text,
          text[:300])
    port = free_port()
    with open(path, "w") as f:
        f.write(text.replace("127.0.0.1:8090", "127.0.0.1:%d" % port))
    return path, port


@test
def generated_config_runs():
    path, port = generated_config()
    if path is None:
        return
    res = run_cli("config", "check", "-c", path)
    check("config check of a generated config exits 0", res.returncode == 0,
          "%d %s" % (res.returncode, res.stderr))
    res = run_cli("config", "check", env={"MXGATE_CONFIG": path})
    check("MXGATE_CONFIG replaces -c", res.returncode == 0,
          "%d %s" % (res.returncode, res.stderr))
    res = run_cli("db", "migrate", "-c", path)
    check("db migrate exits 0", res.returncode == 0, "%d %s" % (res.returncode, res.stderr))
    res = run_cli("db", "migrate", "-c", path)
    check("db migrate twice exits 0", res.returncode == 0,
          "%d %s" % (res.returncode, res.stderr))
    res = run_cli("db", "version", "-c", path)
    check("db version exits 0", res.returncode == 0, "%d %s" % (res.returncode, res.stderr))
    check("db version prints a number", re.search(r"\d+", res.stdout) is not None,
          res.stdout)

    with open(path) as f:
        text = f.read()
    d = Daemon(text.replace(str(port), "@PORT@"), migrate=False)
    r = d.get("/_matrix/identity/v2")
    check("GET /_matrix/identity/v2 is 200 {}", r.status == 200 and r.json == {}, r)
    r = d.get("/_matrix/identity/v2/hash_details")
    check("hash_details needs a token by default (401 M_UNAUTHORIZED)",
          r.status == 401 and (r.json or {}).get("errcode") == "M_UNAUTHORIZED", r)
    rc = d.stop(signal.SIGTERM)
    check("SIGTERM exits 0", rc == 0, "exit %s\n%s" % (rc, d.log_tail()))


@test
def bad_config_exits_2():
    d = tmp_dir("bad")
    path = os.path.join(d, "mxgate.yaml")
    with open(path, "w") as f:
        f.write("server_name: x\nno_such_key: 1\n")
    for argv in (["config", "check", "-c", path], ["serve", "-c", path],
                 ["db", "migrate", "-c", path]):
        res = run_cli(*argv, timeout=20)
        check("%s with an unknown key exits 2" % " ".join(argv[:2]), res.returncode == 2,
              "%d %s" % (res.returncode, res.stderr))
    res = run_cli("config", "check", "-c", path)
    check("the error names file and line", re.search(r"mxgate\.yaml:2", res.stderr),
          res.stderr)


if __name__ == "__main__":
    main()
