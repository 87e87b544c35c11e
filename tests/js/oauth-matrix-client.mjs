// oauth-matrix-client.mjs: matrix-js-sdk's OIDC helpers against mxgate: the
// client discovers the authentication server from the homeserver URL
// (MSC2965 auth_metadata, validated with its JWKS) and registers itself
// (MSC2966) as a web and as a native app, twice (the same metadata gives the
// same client_id back), then a registration the rules refuse.  Driven by
// tests/integration/test_oauth_registration.py.
//
// Environment: BASE_URL (mxgate's client listener).  Prints one JSON object
// per step.
import * as sdk from "matrix-js-sdk";
import { registerOidcClient } from "matrix-js-sdk/lib/oidc/index.js";

const env = (k) => {
	if (process.env[k] === undefined) throw new Error(`${k} not set`);
	return process.env[k];
};
const say = (step, data) => console.log(JSON.stringify({ step, ...data }));
const quiet = { trace() {}, debug() {}, info() {}, log() {}, warn() {}, error() {},
	getChild() { return quiet; } };
const client = sdk.createClient({ baseUrl: env("BASE_URL"), logger: quiet });

async function attempt(promise) {
	try {
		return { ok: true, value: await promise };
	} catch (e) {
		return { ok: false, error: e.message ?? String(e) };
	}
}

// 1. Discovery from the homeserver URL.
const meta = await client.getAuthMetadata();
say("discovery", { issuer: meta.issuer, registration_endpoint: meta.registration_endpoint,
	has_keys: Array.isArray(meta.signingKeys) ? meta.signingKeys.length : null,
	authorization_endpoint: meta.authorization_endpoint });

// 2. A web client registers, then again with the same metadata.
const web = {
	clientName: "Element-ish Web", clientUri: "https://app.example.org",
	redirectUris: ["https://app.example.org/callback"], applicationType: "web",
	contacts: ["admin@example.org"], tosUri: "https://app.example.org/tos",
	policyUri: "https://app.example.org/privacy",
};
const first = await registerOidcClient(meta, web);
const second = await registerOidcClient(meta, web);
say("register_web", { client_id: first, same_again: first === second });

// 3. A native app: a private-use scheme reversing its host, and loopback.
const native = await attempt(registerOidcClient(meta, {
	clientName: "Native", clientUri: "https://app.example.org",
	redirectUris: ["org.example.app:/callback", "http://127.0.0.1/callback"],
	applicationType: "native", contacts: [], tosUri: undefined, policyUri: undefined }));
say("register_native", { ok: native.ok, client_id: native.value ?? null,
	error: native.error ?? null });

// 4. Refused: a web client whose redirect is on another host.
const foreign = await attempt(registerOidcClient(meta, {
	clientName: "Bad", clientUri: "https://app.example.org",
	redirectUris: ["https://evil.example.net/callback"], applicationType: "web",
	contacts: [], tosUri: undefined, policyUri: undefined }));
say("register_foreign", { ok: foreign.ok });
