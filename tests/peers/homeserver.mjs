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
// Login (GET/POST /_matrix/client/{r0,v3}/login), configured through
// POST /_test/behaviour:
//   jwt            {alg: "HS256"|"RS256", secret | public_key (PEM), issuer?,
//                  audience?}: org.matrix.login.jwt verified as Synapse's
//                  jwt_config does (signature, exp/nbf/iat with 120 s leeway,
//                  iss and aud when configured, aud refused when not); sub is
//                  the localpart (a sub starting with "@" is taken whole)
//   users          {localpart: password} for m.login.password (m.id.user only)
//   flows          the flows GET /login answers (default token + jwt)
//   login_delay_ms answer logins only after this long
//   login_retry_after_s  answer logins 429 M_LIMIT_EXCEEDED with Retry-After
//   GET /_test/logins -> every login body received, tokens and passwords
//                        replaced by their lengths
//
// Directory and profile (POST /_matrix/client/{r0,v3}/user_directory/search,
// GET|PUT /_matrix/client/{r0,v3}/profile/{userId}[/{key}]), configured
// through POST /_test/behaviour:
//   directory          [{user_id, display_name?, avatar_url?}]: searched
//                      case-insensitively on user_id and display_name; needs
//                      a Bearer token this peer issued at login or listed in
//                      tokens (else 401 M_MISSING_TOKEN / M_UNKNOWN_TOKEN)
//   tokens             extra access tokens it accepts
//   directory_delay_ms answer searches only after this long
//   profiles           {user_id: {displayname?, avatar_url?}}; others 404
//   GET /_test/requests -> {path, authorization (true/false), x_forwarded_for}
//                          of the directory and profile requests received
//
// For the reverse proxy (raw, not JSON):
//   ANY /_peer/echo...        -> {method, url (raw, query included), headers,
//                                 body_length, body_sha256}
//   GET /_peer/large?mib=N[&chunked=1]
//                             -> N MiB of bytes (byte i is i % 251), with a
//                                Content-Length unless chunked
//   GET /_peer/slow?ms=N      -> {} after N ms
//   GET /_matrix/client/versions, GET /_matrix/client/v3/sync?timeout=N
//                             -> as a homeserver answers (sync after N ms)
//
// Synapse's MAS integration (/_synapse/mas/, Bearer the shared secret set
// by behaviour mas_secret; unset: 404, as a homeserver without it) and its
// admin API (Bearer behaviour admin_token):
//   GET  /_synapse/mas/query_user?localpart=       -> the user or 404
//   POST /_synapse/mas/provision_user {localpart, set_displayname,
//        unset_displayname, set_emails, unset_emails, ...} -> 201 new, 200
//   POST /_synapse/mas/upsert_device {localpart, device_id, display_name?}
//   POST /_synapse/mas/delete_device {localpart, device_id}
//   PUT  /_synapse/admin/v2/users/{userId} {displayname?, threepids?}
//   POST /_synapse/admin/v2/users/{userId}/devices {device_id}
//   DELETE /_synapse/admin/v2/users/{userId}/devices/{deviceId}
//   GET  /_test/provisioned -> {users: {localpart: {...}}, devices:
//        {localpart: [device ids]}, calls: [{path, ok}]}
//
// To extend it, add an entry to ROUTES: "METHOD /path": handler(req, url, body)
// returning [status, jsonBody] or [status, jsonBody, headers] (or a Promise of it).

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
      case "--quiet": args.quiet = true; break;
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
  logins: [],                   // login bodies received (redacted)
  accessTokens: new Set(),      // issued at login
  requests: [],                 // directory and profile requests received
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

// --- login: Synapse's jwt_config rules ------------------------------------------

const forbidden = (error) => [403, { errcode: "M_FORBIDDEN", error }];
const b64url = (s) => Buffer.from(s, "base64url");

function verifyJwt(token, conf) {
  const parts = typeof token === "string" ? token.split(".") : [];
  if (parts.length !== 3) return [null, "not a JWT"];
  let header, claims;
  try {
    header = JSON.parse(b64url(parts[0]).toString("utf8"));
    claims = JSON.parse(b64url(parts[1]).toString("utf8"));
  } catch { return [null, "undecodable JWT"]; }
  if (header.alg !== conf.alg) return [null, `alg ${header.alg} is not ${conf.alg}`];
  const data = Buffer.from(parts[0] + "." + parts[1]);
  const sig = b64url(parts[2]);
  let ok = false;
  if (conf.alg === "HS256") {
    const want = crypto.createHmac("sha256", conf.secret).update(data).digest();
    ok = want.length === sig.length && crypto.timingSafeEqual(want, sig);
  } else if (conf.alg === "RS256") {
    ok = crypto.verify("sha256", data, conf.public_key, sig);
  }
  if (!ok) return [null, "bad signature"];
  const now = Date.now() / 1000, leeway = 120;
  if (typeof claims.exp === "number" && claims.exp < now - leeway) return [null, "expired"];
  if (typeof claims.nbf === "number" && claims.nbf > now + leeway) return [null, "not yet valid"];
  if (typeof claims.iat === "number" && claims.iat > now + leeway) return [null, "issued in the future"];
  if (conf.issuer && claims.iss !== conf.issuer) return [null, "wrong issuer"];
  const aud = claims.aud === undefined ? [] : [].concat(claims.aud);
  if (conf.audience ? !aud.includes(conf.audience) : aud.length > 0) return [null, "wrong audience"];
  if (typeof claims.sub !== "string" || claims.sub === "") return [null, "no sub"];
  return [claims, null];
}

function loggedIn(userId, body) {
  const token = "syt_" + crypto.randomBytes(16).toString("base64url");
  state.accessTokens.add(token);
  const answer = {
    user_id: userId,
    access_token: token,
    device_id: typeof body.device_id === "string" ? body.device_id
      : crypto.randomBytes(5).toString("hex").toUpperCase(),
    home_server: args.serverName,
  };
  if (body.refresh_token === true) {
    answer.refresh_token = "syr_" + crypto.randomBytes(16).toString("base64url");
    answer.expires_in_ms = 300000;
  }
  return [200, answer];
}

function redacted(body) {
  const copy = JSON.parse(JSON.stringify(body ?? {}));
  for (const k of ["password", "token"])
    if (typeof copy[k] === "string") copy[k] = { length: copy[k].length };
  if (typeof body?.token === "string") copy.jwt_claims = (() => {
    try { return JSON.parse(b64url(body.token.split(".")[1]).toString("utf8")); }
    catch { return null; }
  })();
  return copy;
}

async function login(req, url, body) {
  const b = state.behaviour;
  state.logins.push({ ...redacted(body), x_forwarded_for: req.headers["x-forwarded-for"] ?? null });
  if (b.login_delay_ms) await delay(b.login_delay_ms);
  if (b.login_retry_after_s)
    return [429, { errcode: "M_LIMIT_EXCEEDED", error: "Too many requests",
                   retry_after_ms: b.login_retry_after_s * 1000 },
            { "Retry-After": String(b.login_retry_after_s) }];
  if (typeof body?.type !== "string") return [400, { errcode: "M_MISSING_PARAM", error: "type" }];
  if (body.type === "org.matrix.login.jwt") {
    if (!b.jwt) return [400, { errcode: "M_UNKNOWN", error: "Bad login type." }];
    const [claims, why] = verifyJwt(body.token, b.jwt);
    if (!claims) return forbidden("JWT validation failed: " + why);
    const userId = claims.sub.startsWith("@") ? claims.sub : `@${claims.sub}:${args.serverName}`;
    return loggedIn(userId, body);
  }
  if (body.type === "m.login.password") {
    const id = body.identifier ?? (body.user !== undefined ? { type: "m.id.user", user: body.user } : {});
    if (id.type !== "m.id.user" || typeof id.user !== "string")
      return forbidden("Unknown 3PID or identifier");
    const local = id.user.startsWith("@") ? id.user.slice(1).split(":")[0] : id.user;
    if (!b.users || b.users[local] === undefined || b.users[local] !== body.password)
      return forbidden("Invalid username or password");
    return loggedIn(`@${local}:${args.serverName}`, body);
  }
  if (body.type === "m.login.token") return forbidden("Invalid login token");
  return [400, { errcode: "M_UNKNOWN", error: "Bad login type." }];
}

// --- directory and profile ---------------------------------------------------------

function bearer(req) {
  const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
  return m ? m[1] : null;
}

function note(req, url) {
  state.requests.push({ path: url.pathname, authorization: req.headers.authorization !== undefined,
                        x_forwarded_for: req.headers["x-forwarded-for"] ?? null });
}

async function directorySearch(req, url, body) {
  const b = state.behaviour;
  note(req, url);
  const token = bearer(req);
  if (token === null) return [401, { errcode: "M_MISSING_TOKEN", error: "Missing access token" }];
  if (!state.accessTokens.has(token) && !(b.tokens ?? []).includes(token))
    return [401, { errcode: "M_UNKNOWN_TOKEN", error: "Unrecognised access token" }];
  if (b.directory_delay_ms) await delay(b.directory_delay_ms);
  if (typeof body?.search_term !== "string")
    return [400, { errcode: "M_BAD_JSON", error: "search_term" }];
  const term = body.search_term.toLowerCase(), limit = body.limit ?? 10;
  const hits = (b.directory ?? []).filter((u) => u.user_id.toLowerCase().includes(term) ||
    (u.display_name ?? "").toLowerCase().includes(term));
  return [200, { limited: hits.length > limit, results: hits.slice(0, limit) }];
}

const PROFILE = /^\/_matrix\/client\/(r0|v3)\/profile\/([^/]+)(?:\/([^/]+))?$/;

function profile(req, url, body) {
  note(req, url);
  const [, , rawUser, rawKey] = PROFILE.exec(url.pathname);
  const userId = decodeURIComponent(rawUser), key = rawKey && decodeURIComponent(rawKey);
  const profiles = (state.behaviour.profiles ??= {});
  if (req.method === "PUT") {
    if (!key || typeof body?.[key] !== "string") return [400, { errcode: "M_BAD_JSON" }];
    (profiles[userId] ??= {})[key] = body[key];
    return [200, {}];
  }
  const p = profiles[userId];
  if (p === undefined) return [404, { errcode: "M_NOT_FOUND", error: "Profile was not found" }];
  if (!key) return [200, p];
  return p[key] === undefined ? [404, { errcode: "M_NOT_FOUND", error: "No such key" }]
    : [200, { [key]: p[key] }];
}

function loginFlows() {
  return [200, { flows: state.behaviour.flows ??
    [{ type: "m.login.token" }, { type: "org.matrix.login.jwt" }] }];
}

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

  "GET /_matrix/client/r0/login": loginFlows,
  "GET /_matrix/client/v3/login": loginFlows,
  "POST /_matrix/client/r0/login": login,
  "POST /_matrix/client/v3/login": login,
  "GET /_test/logins": () => [200, { logins: state.logins }],
  "POST /_matrix/client/r0/user_directory/search": directorySearch,
  "POST /_matrix/client/v3/user_directory/search": directorySearch,
  "GET /_test/requests": () => [200, { requests: state.requests }],
};

// --- Synapse's MAS integration and admin API ---------------------------------------

state.provisioned = { users: {}, devices: {}, calls: [] };

function bearerIs(req, secret) {
  return typeof secret === "string" && req.headers.authorization === `Bearer ${secret}`;
}

function provisionCall(req, url, ok) {
  state.provisioned.calls.push({ path: url.pathname, method: req.method, ok });
}

function masRoute(name) {
  return (req, url, body) => {
    if (typeof state.behaviour.mas_secret !== "string")
      return [404, { errcode: "M_UNRECOGNIZED", error: "Unrecognized request" }];
    if (!bearerIs(req, state.behaviour.mas_secret)) {
      provisionCall(req, url, false);
      return [403, { errcode: "M_FORBIDDEN", error: "This endpoint must only be called by MAS" }];
    }
    provisionCall(req, url, true);
    const p = state.provisioned;
    const local = body?.localpart ?? url.searchParams.get("localpart");
    if (typeof local !== "string" || local === "")
      return [400, { errcode: "M_MISSING_PARAM", error: "localpart" }];
    switch (name) {
      case "query_user":
        return p.users[local] ? [200, { user_id: `@${local}:${args.serverName}`,
                                         display_name: p.users[local].displayname ?? null }]
                              : [404, { errcode: "M_NOT_FOUND", error: "no such user" }];
      case "provision_user": {
        const created = !p.users[local];
        const u = p.users[local] ?? {};
        if ("set_displayname" in body) u.displayname = body.set_displayname;
        if (body.unset_displayname) delete u.displayname;
        if ("set_emails" in body) u.emails = body.set_emails;
        if (body.unset_emails) delete u.emails;
        p.users[local] = u;
        return [created ? 201 : 200, {}];
      }
      case "upsert_device": {
        const list = p.devices[local] ?? (p.devices[local] = []);
        const created = !list.includes(body.device_id);
        if (created) list.push(body.device_id);
        return [created ? 201 : 200, {}];
      }
      case "delete_device":
        p.devices[local] = (p.devices[local] ?? []).filter((d) => d !== body.device_id);
        return [200, {}];
    }
    return [404, { errcode: "M_UNRECOGNIZED", error: "Unrecognized request" }];
  };
}

const ADMIN_USER = /^\/_synapse\/admin\/v2\/users\/([^/]+)(?:\/devices(?:\/([^/]+))?)?$/;

function adminRoute(req, url, body) {
  const m = ADMIN_USER.exec(url.pathname);
  if (!m) return undefined;
  if (!bearerIs(req, state.behaviour.admin_token)) {
    provisionCall(req, url, false);
    return [401, { errcode: "M_UNKNOWN_TOKEN", error: "Invalid access token" }];
  }
  provisionCall(req, url, true);
  const userId = decodeURIComponent(m[1]);
  const local = userId.slice(1).split(":")[0];
  const p = state.provisioned;
  if (m[2] !== undefined && req.method === "DELETE") {
    p.devices[local] = (p.devices[local] ?? []).filter((d) => d !== decodeURIComponent(m[2]));
    return [200, {}];
  }
  if (url.pathname.endsWith("/devices") && req.method === "POST") {
    const list = p.devices[local] ?? (p.devices[local] = []);
    if (!list.includes(body.device_id)) list.push(body.device_id);
    return [201, {}];
  }
  if (m[2] === undefined && !url.pathname.endsWith("/devices") && req.method === "PUT") {
    const created = !p.users[local];
    const u = p.users[local] ?? {};
    if ("displayname" in body) u.displayname = body.displayname;
    if ("threepids" in body) u.emails = body.threepids.filter((t) => t.medium === "email")
      .map((t) => t.address);
    p.users[local] = u;
    return [created ? 201 : 200, { name: userId }];
  }
  return [405, { errcode: "M_UNRECOGNIZED", error: "Unrecognized request" }];
}

for (const name of ["provision_user", "upsert_device", "delete_device"])
  ROUTES[`POST /_synapse/mas/${name}`] = masRoute(name);
ROUTES["GET /_synapse/mas/query_user"] = masRoute("query_user");
ROUTES["GET /_test/provisioned"] = () => [200, state.provisioned];

// --- server -------------------------------------------------------------------

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

// --- raw routes for the reverse proxy tests ------------------------------------------

function pattern() {
  const block = Buffer.alloc(251 * 256);
  for (let i = 0; i < block.length; i++) block[i] = i % 251;
  return block;
}
const PATTERN = pattern();

async function rawRoute(req, res, url) {
  if (url.pathname.startsWith("/_peer/echo")) {
    const hash = crypto.createHash("sha256");
    let length = 0;
    for await (const chunk of req) { hash.update(chunk); length += chunk.length; }
    const out = JSON.stringify({ method: req.method, url: req.url, headers: req.headers,
                                 body_length: length, body_sha256: hash.digest("hex") });
    res.writeHead(200, { "Content-Type": "application/json", "X-Peer": "echo",
                         "Content-Length": Buffer.byteLength(out) });
    res.end(out);
    return true;
  }
  if (url.pathname === "/_peer/large") {
    const total = Number(url.searchParams.get("mib") ?? 1) * 1024 * 1024;
    const headers = { "Content-Type": "application/octet-stream" };
    if (!url.searchParams.get("chunked")) headers["Content-Length"] = total;
    res.writeHead(200, headers);
    let sent = 0;
    while (sent < total) {
      const n = Math.min(PATTERN.length, total - sent);
      // PATTERN.length is a multiple of 251: every slice starts at i % 251 == 0
      if (!res.write(PATTERN.subarray(0, n)))
        await new Promise((resolve) => res.once("drain", resolve));
      sent += n;
    }
    res.end();
    return true;
  }
  if (url.pathname === "/_peer/slow") {
    await delay(Number(url.searchParams.get("ms") ?? 1000));
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end("{}");
    return true;
  }
  if (url.pathname === "/_matrix/client/versions" && req.method === "GET") {
    const out = JSON.stringify({ versions: ["r0.6.1", "v1.1", "v1.11"],
                                 unstable_features: {} });
    res.writeHead(200, { "Content-Type": "application/json",
                         "Content-Length": Buffer.byteLength(out) });
    res.end(out);
    return true;
  }
  if (url.pathname === "/_matrix/client/v3/sync" && req.method === "GET") {
    await delay(Math.min(Number(url.searchParams.get("timeout") ?? 0), 60000));
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ next_batch: "s" + Date.now() }));
    return true;
  }
  return false;
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, "http://peer");
  if (!args.quiet) process.stderr.write(`${req.method} ${url.pathname}\n`);
  try {
    if (await rawRoute(req, res, url)) return;
  } catch (e) {
    res.destroy();
    return;
  }
  let status = 404, body = { errcode: "M_UNRECOGNIZED", error: "Unrecognized request" };
  let extraHeaders;
  try {
    const text = await readBody(req);
    let json = null;
    if (text) {
      try { json = JSON.parse(text); } catch { json = undefined; }
    }
    const route = ROUTES[`${req.method} ${url.pathname}`] ??
      (PROFILE.test(url.pathname) && ["GET", "PUT"].includes(req.method) ? profile : undefined) ??
      (ADMIN_USER.test(url.pathname) ? adminRoute : undefined);
    if (json === undefined) [status, body] = [400, { errcode: "M_NOT_JSON", error: "not JSON" }];
    else if (route) [status, body, extraHeaders] = await route(req, url, json);
  } catch (e) {
    [status, body] = [500, { errcode: "M_UNKNOWN", error: String(e) }];
  }
  const out = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json",
                          "Content-Length": Buffer.byteLength(out), ...(extraHeaders ?? {}) });
  res.end(out);
});

server.listen(args.port, args.host, () => {
  process.stdout.write(JSON.stringify({ port: server.address().port,
                                        server_name: args.serverName, key_id: keyId }) + "\n");
});

for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => server.close(() => process.exit(0)));
