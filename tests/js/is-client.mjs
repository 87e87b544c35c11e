// is-client.mjs: a real Matrix client (matrix-js-sdk) using mxgate as its
// identity server, driven by tests/integration/test_matrix_js.py.
//
// Environment: HS_URL (the homeserver peer), IS_URL (mxgate), OPENID (the
// OpenID token object as JSON, minted by the peer), LOOKUP_EMAIL (an address
// mxgate knows), VALIDATE_EMAIL (an address to validate), MAIL_DIR (where the
// SMTP sink drops messages).  Prints one JSON object per step on stdout; the
// Python test checks them.  Exit status 0 unless something threw.
import fs from "node:fs";
import path from "node:path";
import * as sdk from "matrix-js-sdk";

const env = (k) => {
	if (!process.env[k]) throw new Error(`${k} not set`);
	return process.env[k];
};
const say = (step, data) => console.log(JSON.stringify({ step, ...data }));
const quiet = { trace() {}, debug() {}, info() {}, log() {}, warn() {}, error() {},
	getChild() { return quiet; } };

const client = sdk.createClient({ baseUrl: env("HS_URL"), idBaseUrl: env("IS_URL"),
	logger: quiet });

// 1. Register with the identity server using the homeserver's OpenID token.
const reg = await client.registerWithIdentityServer(JSON.parse(env("OPENID")));
const isToken = reg.token ?? reg.access_token;
say("register", { ok: typeof isToken === "string" && isToken.length > 0 });

// 2. Accept every policy of the terms, in English.
const terms = await client.getTerms(sdk.SERVICE_TYPES.IS, env("IS_URL"));
const urls = Object.values(terms.policies ?? {}).map((p) => p.en?.url).filter(Boolean);
await client.agreeToTerms(sdk.SERVICE_TYPES.IS, env("IS_URL"), isToken, urls);
say("terms", { accepted: urls.length });

// 3. The account, then a hashed lookup of an address mxgate knows.
const account = await client.getIdentityAccount(isToken);
say("account", { user_id: account.user_id });
const found = await client.identityHashedLookup([[env("LOOKUP_EMAIL"), "email"]], isToken);
say("lookup", { result: found });

// 4. Validate an e-mail address: request a token, follow the link in the mail.
const secret = "mxgateJsSecret" + Date.now();
const req = await client.requestEmailToken(env("VALIDATE_EMAIL"), secret, 1, undefined, isToken);
say("request_token", { sid: req.sid });
let link = null;
for (let i = 0; i < 200 && !link; i++) {
	for (const f of fs.readdirSync(env("MAIL_DIR"))) {
		if (!f.endsWith(".eml")) continue;
		const raw = fs.readFileSync(path.join(env("MAIL_DIR"), f), "utf8");
		// The text and HTML parts are base64: decode them as a mail reader would.
		const parts = [...raw.matchAll(/Content-Transfer-Encoding: base64\r?\n(?:[^\r\n]+\r?\n)*\r?\n([A-Za-z0-9+/=\r\n]+)/g)]
			.map((p) => Buffer.from(p[1].replace(/\s/g, ""), "base64").toString("utf8"));
		const text = [raw, ...parts].join("\n").replace(/&amp;/g, "&");
		const m = text.match(/https?:\/\/\S*submitToken\?[^\s"<>]*/);
		if (m && m[0].includes(req.sid)) link = m[0];
	}
	if (!link) await new Promise((r) => setTimeout(r, 50));
}
say("mail", { link: link !== null });
const page = await fetch(link);
say("submit", { status: page.status });
const validated = await fetch(`${env("IS_URL")}/_matrix/identity/v2/3pid/getValidated3pid?` +
	new URLSearchParams({ sid: req.sid, client_secret: secret }),
	{ headers: { Authorization: `Bearer ${isToken}` } });
say("validated", { status: validated.status, body: await validated.json() });

// 5. Bind the validated address to this user, then find it by hashed lookup.
const bind = await fetch(`${env("IS_URL")}/_matrix/identity/v2/3pid/bind`, {
	method: "POST",
	headers: { Authorization: `Bearer ${isToken}`, "Content-Type": "application/json" },
	body: JSON.stringify({ sid: req.sid, client_secret: secret, mxid: account.user_id }),
});
const association = await bind.json();
say("bind", { status: bind.status, mxid: association.mxid, signed: !!association.signatures });
// The index is refreshed right after a bind, not during it: poll briefly.
let bound = [];
for (let i = 0; i < 100 && bound.length === 0; i++) {
	bound = await client.identityHashedLookup([[env("VALIDATE_EMAIL"), "email"]], isToken);
	if (bound.length === 0) await new Promise((r) => setTimeout(r, 50));
}
say("bound_lookup", { result: bound });
