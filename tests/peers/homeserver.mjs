#!/usr/bin/env node
// tests/peers/homeserver.mjs: a fake Matrix homeserver for the integration
// tests, Node.js standard library only (node:http, node:crypto).
//
//   node tests/peers/homeserver.mjs --port N [--server-name hs.test]
//        [--host 127.0.0.1] [--m-server delegated.example:443]
//
// It prints one JSON line {"port": N, "server_name": ...} once it listens and
// logs every request to stderr (without query strings).  What it serves:
//
//   POST /_test/openid {"user_id"}           -> an OpenID token object, as a
//        homeserver's /user/{id}/openid/request_token returns it
//   GET  /_matrix/federation/v1/openid/userinfo?access_token=
//                                            -> {"sub"} or 401 M_UNKNOWN_TOKEN
//   GET  /.well-known/matrix/server          -> {"m.server"} (404 unless set)
//   GET  /_matrix/key/v2/server              -> its ed25519 key, self-signed
//   POST /_matrix/federation/v1/3pid/onbind  -> {} (recorded)
//   GET  /_test/onbind                       -> the recorded onbind bodies
//   POST /_test/behaviour {...}              -> change how it answers (below)
//   POST /_test/sign {"json"}                -> json signed with its key
//
// Behaviour knobs (POST /_test/behaviour, merged into the current ones):
//   userinfo_delay_ms   answer userinfo only after this long
//   userinfo_status     answer userinfo with this status and an M_UNKNOWN body
//   userinfo_padding    add this many bytes of padding to the userinfo answer
//   onbind_status       answer onbind with this status (retry tests)
//   onbind_fail_first   answer the next N onbind calls with 500 (still recorded)
//
// To extend it, add an entry to ROUTES: "METHOD /path": handler(req, url, body)
// returning [status, jsonBody] (or a Promise of it).

import http from "node:http";
import crypto from "node:crypto";

function parseArgs(argv) {
  const args = { port: 0, host: "127.0.0.1", serverName: "hs.test", mServer: null };
  for (let i = 0; i < argv.length; i++) {
    const next = () => argv[++i];
    switch (argv[i]) {
      case "--port": args.port = Number(next()); break;
      case "--host": args.host = next(); break;
      case "--server-name": args.serverName = next(); break;
      case "--m-server": args.mServer = next(); break;
      default:
        process.stderr.write(`homeserver.mjs: unknown argument ${argv[i]}\n`);
        process.exit(2);
    }
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));
const state = {
  openidTokens: new Map(),      // access_token -> user_id
  onbind: [],                   // bodies received
  behaviour: {},
};

// --- signing: Matrix canonical JSON + ed25519 ----------------------------------

const { publicKey, privateKey } = crypto.generateKeyPairSync("ed25519");
const keyId = "ed25519:peer" + crypto.randomBytes(3).toString("hex");
const rawPublic = publicKey.export({ format: "der", type: "spki" }).subarray(-32);
const unpadded = (buf) => buf.toString("base64").replace(/=+$/, "");

// Keys sorted by code point, no whitespace, non-ASCII raw (JSON.stringify
// already writes it raw and escapes only what JSON requires).
function canonicalJson(value) {
  if (Array.isArray(value)) return "[" + value.map(canonicalJson).join(",") + "]";
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return "{" + keys.map((k) => JSON.stringify(k) + ":" + canonicalJson(value[k])).join(",") + "}";
  }
  return JSON.stringify(value);
}

function signJson(obj, entity = args.serverName) {
  const { signatures = {}, unsigned, ...rest } = obj;
  const sig = crypto.sign(null, Buffer.from(canonicalJson(rest)), privateKey);
  const out = { ...rest, signatures: { ...signatures } };
  out.signatures[entity] = { ...(out.signatures[entity] || {}), [keyId]: unpadded(sig) };
  if (unsigned !== undefined) out.unsigned = unsigned;
  return out;
}

// --- routes -------------------------------------------------------------------

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const ROUTES = {
  "POST /_test/openid": (req, url, body) => {
    if (typeof body?.user_id !== "string") return [400, { errcode: "M_MISSING_PARAMS" }];
    const token = crypto.randomBytes(24).toString("base64url");
    state.openidTokens.set(token, body.user_id);
    return [200, { access_token: token, token_type: "Bearer",
                   matrix_server_name: args.serverName, expires_in: 3600 }];
  },

  "GET /_matrix/federation/v1/openid/userinfo": async (req, url) => {
    const b = state.behaviour;
    if (b.userinfo_delay_ms) await delay(b.userinfo_delay_ms);
    if (b.userinfo_status) return [b.userinfo_status, { errcode: "M_UNKNOWN", error: "configured" }];
    const user = state.openidTokens.get(url.searchParams.get("access_token") || "");
    if (user === undefined)
      return [401, { errcode: "M_UNKNOWN_TOKEN", error: "Access Token unknown or expired" }];
    const answer = { sub: user };
    if (b.userinfo_padding) answer.padding = "x".repeat(b.userinfo_padding);
    return [200, answer];
  },

  "GET /.well-known/matrix/server": () =>
    args.mServer ? [200, { "m.server": args.mServer }] : [404, { errcode: "M_NOT_FOUND" }],

  "GET /_matrix/key/v2/server": () => {
    const now = Date.now();
    return [200, signJson({
      server_name: args.serverName,
      valid_until_ts: now + 24 * 3600 * 1000,
      verify_keys: { [keyId]: { key: unpadded(rawPublic) } },
      old_verify_keys: {},
    })];
  },

  "POST /_matrix/federation/v1/3pid/onbind": (req, url, body) => {
    state.onbind.push(body);
    let status = state.behaviour.onbind_status || 200;
    if (state.behaviour.onbind_fail_first > 0) {
      state.behaviour.onbind_fail_first--;
      status = 500;
    }
    return [status, status === 200 ? {} : { errcode: "M_UNKNOWN", error: "configured" }];
  },

  "GET /_test/onbind": () => [200, { onbind: state.onbind }],

  "POST /_test/behaviour": (req, url, body) => {
    Object.assign(state.behaviour, body || {});
    return [200, state.behaviour];
  },

  "POST /_test/sign": (req, url, body) => [200, signJson(body?.json ?? {})],
};

// --- server -------------------------------------------------------------------

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, "http://peer");
  process.stderr.write(`${req.method} ${url.pathname}\n`);
  let status = 404, body = { errcode: "M_UNRECOGNIZED", error: "Unrecognized request" };
  try {
    const text = await readBody(req);
    let json = null;
    if (text) {
      try { json = JSON.parse(text); } catch { json = undefined; }
    }
    const route = ROUTES[`${req.method} ${url.pathname}`];
    if (json === undefined) [status, body] = [400, { errcode: "M_NOT_JSON", error: "not JSON" }];
    else if (route) [status, body] = await route(req, url, json);
  } catch (e) {
    [status, body] = [500, { errcode: "M_UNKNOWN", error: String(e) }];
  }
  const out = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json",
                          "Content-Length": Buffer.byteLength(out) });
  res.end(out);
});

server.listen(args.port, args.host, () => {
  process.stdout.write(JSON.stringify({ port: server.address().port,
                                        server_name: args.serverName, key_id: keyId }) + "\n");
});

for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => server.close(() => process.exit(0)));
