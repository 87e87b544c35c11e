// oauth-client.mjs: openid-client (npm) as a relying party of mxgate's
// OAuth provider: discovery, the JWKS checked with jose (each kid must be
// the key's RFC 7638 thumbprint), the client_credentials grant with each
// client authentication method, introspection, revocation, and a client
// assertion presented twice.  Driven by
// tests/integration/test_oauth_provider.py.
//
// Environment: ISSUER; the clients BASIC_ID/BASIC_SECRET,
// POST_ID/POST_SECRET, JWT_ID/JWT_SECRET (client_secret_jwt), PKJ_ID and
// PKJ_KEY (a file holding the private JWK, private_key_jwt), RS_ID/RS_SECRET
// (a resource server that may introspect).  Prints one JSON object per step.
import * as client from "openid-client";
import * as jose from "jose";
import { readFileSync } from "node:fs";

const env = (k) => {
	if (process.env[k] === undefined) throw new Error(`${k} not set`);
	return process.env[k];
};
const say = (step, data) => console.log(JSON.stringify({ step, ...data }));
const issuer = new URL(env("ISSUER"));
const insecure = { execute: [client.allowInsecureRequests] };

async function attempt(promise) {
	try {
		return { ok: true, value: await promise };
	} catch (e) {
		return { ok: false, error: e.error ?? e.code ?? String(e), status: e.status ?? null };
	}
}

// 1. Discovery.
const basic = await client.discovery(issuer, env("BASIC_ID"), env("BASIC_SECRET"),
	client.ClientSecretBasic(env("BASIC_SECRET")), insecure);
const meta = basic.serverMetadata();
say("discovery", { issuer: meta.issuer, token_endpoint: meta.token_endpoint,
	jwks_uri: meta.jwks_uri, pkce: meta.code_challenge_methods_supported,
	grants: meta.grant_types_supported, supportsPKCE: meta.supportsPKCE() });

// 2. The JWKS: every key imports, and its kid is its thumbprint.
const jwks = await (await fetch(meta.jwks_uri)).json();
const keys = [];
for (const k of jwks.keys) {
	const thumb = await jose.calculateJwkThumbprint(k, "sha256");
	let imported = true;
	try {
		await jose.importJWK(k, k.alg);
	} catch {
		imported = false;
	}
	keys.push({ kid: k.kid, alg: k.alg, kty: k.kty, thumbprint_ok: thumb === k.kid, imported,
		private: "d" in k });
}
say("jwks", { keys });

// 3. client_credentials with each way of authenticating.
const scope = "urn:matrix:client:api:*";
const viaBasic = await client.clientCredentialsGrant(basic, { scope });
say("cc_basic", { token_type: viaBasic.token_type, scope: viaBasic.scope,
	expires_in: viaBasic.expires_in, prefix: viaBasic.access_token.slice(0, 5),
	refresh: viaBasic.refresh_token ?? null });

const post = await client.discovery(issuer, env("POST_ID"), env("POST_SECRET"),
	client.ClientSecretPost(env("POST_SECRET")), insecure);
const viaPost = await attempt(client.clientCredentialsGrant(post, { scope }));
say("cc_post", { ok: viaPost.ok, error: viaPost.error ?? null });

const jwt = await client.discovery(issuer, env("JWT_ID"), env("JWT_SECRET"),
	client.ClientSecretJwt(env("JWT_SECRET")), insecure);
const viaJwt = await attempt(client.clientCredentialsGrant(jwt, { scope }));
say("cc_secret_jwt", { ok: viaJwt.ok, error: viaJwt.error ?? null });

const pkjJwk = JSON.parse(readFileSync(env("PKJ_KEY"), "utf8"));
const pkjKey = await jose.importJWK(pkjJwk, pkjJwk.alg);
const pkj = await client.discovery(issuer, env("PKJ_ID"), undefined,
	client.PrivateKeyJwt({ key: pkjKey, kid: pkjJwk.kid }), insecure);
const viaPkj = await attempt(client.clientCredentialsGrant(pkj, { scope }));
say("cc_private_key_jwt", { ok: viaPkj.ok, error: viaPkj.error ?? null });

// 4. Refusals: a wrong secret; a secret_jwt client signing with the wrong secret.
const wrong = await client.discovery(issuer, env("BASIC_ID"), "not-the-secret",
	client.ClientSecretBasic("not-the-secret"), insecure);
const viaWrong = await attempt(client.clientCredentialsGrant(wrong, { scope }));
say("cc_wrong_secret", { ok: viaWrong.ok, error: viaWrong.error, status: viaWrong.status });
const badJwt = await client.discovery(issuer, env("JWT_ID"), "another-secret",
	client.ClientSecretJwt("another-secret"), insecure);
const viaBadJwt = await attempt(client.clientCredentialsGrant(badJwt, { scope }));
say("cc_wrong_jwt", { ok: viaBadJwt.ok, error: viaBadJwt.error });

// 5. The same assertion twice: the second is a replay.
const assertion = await new jose.SignJWT({ jti: crypto.randomUUID() })
	.setProtectedHeader({ alg: pkjJwk.alg, kid: pkjJwk.kid })
	.setIssuer(env("PKJ_ID")).setSubject(env("PKJ_ID")).setAudience(meta.issuer)
	.setIssuedAt().setExpirationTime("2m").sign(pkjKey);
const form = new URLSearchParams({ grant_type: "client_credentials", scope,
	client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
	client_assertion: assertion });
const first = await fetch(meta.token_endpoint, { method: "POST", body: form });
const second = await fetch(meta.token_endpoint, { method: "POST", body: form });
say("assertion_replay", { first: first.status, second: second.status,
	second_error: (await second.json()).error });

// 6. Introspection by the resource server, then revocation by the owner.
const rs = await client.discovery(issuer, env("RS_ID"), env("RS_SECRET"),
	client.ClientSecretBasic(env("RS_SECRET")), insecure);
const live = await client.tokenIntrospection(rs, viaBasic.access_token);
say("introspect", { active: live.active, scope: live.scope, client_id: live.client_id,
	exp_ok: live.exp > Date.now() / 1000, token_type: live.token_type });
const unknown = await client.tokenIntrospection(rs, "mxat_notarealtoken");
say("introspect_unknown", { active: unknown.active });
await client.tokenRevocation(basic, viaBasic.access_token);
const dead = await client.tokenIntrospection(rs, viaBasic.access_token);
say("revoked", { active: dead.active });
