// oauth-browser.mjs: the authorization code flow with PKCE through mxgate's
// HTML pages, as a user and an application live it: openid-client (npm) is
// the application, a headless Chromium driven by playwright-core is the
// user's browser (the login and consent pages are filled in and clicked),
// a loopback HTTP server is the application's redirect URI (RFC 8252, any
// port).  Then the ID token is checked against the JWKS (jose), userinfo,
// refresh with rotation and replay, introspection and revocation; a second
// authorization needs no consent (remembered), prompt=none answers without
// a page, and login_required for a browser without a login.  Driven by
// tests/integration/test_oauth_browser.py.
//
// Environment: ISSUER, CLIENT_ID, CLIENT_SECRET (client_secret_basic),
// USER, PASSWORD, RS_ID, RS_SECRET (a client that may introspect),
// CHROMIUM (the browser binary).  Prints one JSON object per step.
import * as client from "openid-client";
import * as jose from "jose";
import { chromium } from "playwright-core";
import { createServer } from "node:http";

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

// The application's redirect URI: a loopback server on a port of its own.
const server = createServer((req, res) => {
	res.writeHead(200, { "Content-Type": "text/plain" });
	res.end("callback received");
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const redirectUri = `http://127.0.0.1:${server.address().port}/cb`;

const config = await client.discovery(issuer, env("CLIENT_ID"), env("CLIENT_SECRET"),
	client.ClientSecretBasic(env("CLIENT_SECRET")), insecure);
const meta = config.serverMetadata();
const jwks = jose.createRemoteJWKSet(new URL(meta.jwks_uri));

async function authUrl(extra = {}) {
	const verifier = client.randomPKCECodeVerifier();
	const params = {
		redirect_uri: redirectUri, scope: "openid profile email urn:matrix:client:api:* " +
			"urn:matrix:client:device:BROWSERDEV1", state: client.randomState(),
		nonce: client.randomNonce(), code_challenge_method: "S256",
		code_challenge: await client.calculatePKCECodeChallenge(verifier), ...extra,
	};
	return { url: client.buildAuthorizationUrl(config, params), verifier, ...params };
}

const browser = await chromium.launch({ executablePath: env("CHROMIUM"), headless: true,
	args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
const context = await browser.newContext();
const page = await context.newPage();

try {
	// 1. To the login page; its security headers; the client's name shown escaped.
	const first = await authUrl();
	const resp = await page.goto(first.url.href);
	const h = resp.headers();
	say("login_page", { status: resp.status(), title: await page.title(),
		csp: h["content-security-policy"] ?? null, xfo: h["x-frame-options"] ?? null,
		has_form: await page.locator("#username").count() === 1,
		client_text: await page.locator(".client").textContent().catch(() => null),
		scripts: await page.locator("script").count() });

	// 2. A wrong password: the same page, with an error.
	await page.fill("#username", env("USER"));
	await page.fill("#password", env("PASSWORD") + "-wrong");
	const wrong = await Promise.all([page.waitForNavigation(), page.click("#sign-in")]);
	say("wrong_password", { status: wrong[0].status(),
		error: await page.locator(".error").textContent().catch(() => null),
		still_login: await page.locator("#password").count() === 1 });

	// 3. The right one: the consent page lists what the client asks for.
	await page.fill("#username", env("USER"));
	await page.fill("#password", env("PASSWORD"));
	await Promise.all([page.waitForNavigation(), page.click("#sign-in")]);
	say("consent_page", { has_allow: await page.locator("#allow").count() === 1,
		scopes: await page.locator("ul.scopes li").allTextContents() });

	// 4. Allow: back at the application with a code and the state.
	await Promise.all([page.waitForURL((u) => u.href.startsWith(redirectUri)),
		page.click("#allow")]);
	const cb = new URL(page.url());
	say("callback", { has_code: cb.searchParams.has("code"),
		state_ok: cb.searchParams.get("state") === first.state,
		iss: cb.searchParams.get("iss") });

	// 5. The code for tokens (openid-client checks state, iss, nonce, the ID token's claims).
	const tokens = await client.authorizationCodeGrant(config, cb, {
		pkceCodeVerifier: first.verifier, expectedState: first.state,
		expectedNonce: first.nonce, idTokenExpected: true });
	const claims = tokens.claims();
	const { payload, protectedHeader } = await jose.jwtVerify(tokens.id_token, jwks, {
		issuer: meta.issuer, audience: env("CLIENT_ID") });
	say("tokens", { token_type: tokens.token_type, has_refresh: !!tokens.refresh_token,
		expires_in: tokens.expires_in, sub: claims.sub, nonce_ok: claims.nonce === first.nonce,
		alg: protectedHeader.alg, kid_in_jwks: !!protectedHeader.kid,
		verified_sub: payload.sub, has_at_hash: typeof payload.at_hash === "string",
		auth_time: typeof payload.auth_time === "number", scope: tokens.scope });

	// 6. userinfo with the access token.
	const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
	say("userinfo", info);

	// 7. Introspection as a resource server sees it, with the device.
	const rs = await client.discovery(issuer, env("RS_ID"), env("RS_SECRET"),
		client.ClientSecretBasic(env("RS_SECRET")), insecure);
	const intro = await client.tokenIntrospection(rs, tokens.access_token);
	say("introspect", { active: intro.active, username: intro.username, sub: intro.sub,
		client_id: intro.client_id, scope: intro.scope });

	// 8. Refresh: a new pair; the old refresh token again while the new pair is
	// unused is a lost answer's retry (accepted); once the new pair is used, a
	// replay ends the session.
	const r1 = await client.refreshTokenGrant(config, tokens.refresh_token);
	const retry = await attempt(client.refreshTokenGrant(config, tokens.refresh_token));
	say("refresh", { rotated: r1.refresh_token !== tokens.refresh_token,
		new_access: r1.access_token !== tokens.access_token, id_token: !!r1.id_token,
		retry_ok: retry.ok });
	const current = retry.ok ? retry.value : r1;
	await client.fetchUserInfo(config, current.access_token, claims.sub);
	const replay = await attempt(client.refreshTokenGrant(config, tokens.refresh_token));
	const after = await client.tokenIntrospection(rs, current.access_token);
	const afterRefresh = await attempt(client.refreshTokenGrant(config, current.refresh_token));
	say("refresh_replay", { ok: replay.ok, error: replay.error, session_active: after.active,
		current_refresh_ok: afterRefresh.ok });

	// 9. A second authorization: logged in and consented, straight back.
	const second = await authUrl();
	await page.goto(second.url.href);
	await page.waitForURL((u) => u.href.startsWith(redirectUri));
	const cb2 = new URL(page.url());
	const t2 = await client.authorizationCodeGrant(config, cb2, {
		pkceCodeVerifier: second.verifier, expectedState: second.state,
		expectedNonce: second.nonce });
	say("second_authorization", { no_pages: cb2.searchParams.has("code"),
		sub: t2.claims().sub });

	// 10. Revocation ends that session.
	await client.tokenRevocation(config, t2.refresh_token);
	const revoked = await client.tokenIntrospection(rs, t2.access_token);
	say("revoked", { active: revoked.active });

	// 11. prompt=none: with the login, a code at once; without, login_required.
	const silent = await authUrl({ prompt: "none" });
	await page.goto(silent.url.href);
	await page.waitForURL((u) => u.href.startsWith(redirectUri));
	say("prompt_none", { code: new URL(page.url()).searchParams.has("code") });
	const fresh = await (await browser.newContext()).newPage();
	const anon = await authUrl({ prompt: "none" });
	await fresh.goto(anon.url.href);
	await fresh.waitForURL((u) => u.href.startsWith(redirectUri));
	say("prompt_none_anonymous", { error: new URL(fresh.url()).searchParams.get("error") });

	// 12. RP-initiated logout: the end_session_endpoint with the ID token as
	// hint; the user confirms; back at the application with its state; the
	// browser's login and the application's session from it are over.
	const third = await authUrl();
	await page.goto(third.url.href);
	await page.waitForURL((u) => u.href.startsWith(redirectUri));
	const t3 = await client.authorizationCodeGrant(config, new URL(page.url()), {
		pkceCodeVerifier: third.verifier, expectedState: third.state,
		expectedNonce: third.nonce });
	const bye = client.buildEndSessionUrl(config, { id_token_hint: t3.id_token,
		post_logout_redirect_uri: redirectUri, state: "bye-state" });
	await page.goto(bye.href);
	const confirm = await page.locator("#sign-out").count();
	await Promise.all([page.waitForURL((u) => u.href.startsWith(redirectUri)),
		page.click("#sign-out")]);
	const back = new URL(page.url());
	const gone = await client.tokenIntrospection(rs, t3.access_token);
	const again = await authUrl();
	await page.goto(again.url.href);
	say("logout", { confirm_page: confirm === 1, state: back.searchParams.get("state"),
		session_active: gone.active, login_again: await page.locator("#password").count() === 1 });

	// 13. A form whose CSRF field was taken out is refused.
	const csrf = await authUrl({ prompt: "login" });
	await fresh.goto(csrf.url.href);
	await fresh.evaluate(() => document.querySelector("input[name=csrf]").remove());
	await fresh.fill("#username", env("USER"));
	await fresh.fill("#password", env("PASSWORD"));
	const refused = await Promise.all([fresh.waitForNavigation(), fresh.click("#sign-in")]);
	say("csrf_missing", { status: refused[0].status(),
		error: await fresh.locator("#error").textContent().catch(() => null) });

	// 14. A redirect URI the client never registered: an error page, no redirect.
	const bad = new URL(first.url.href);
	bad.searchParams.set("redirect_uri", "https://evil.example/cb");
	const badResp = await fresh.goto(bad.href);
	say("bad_redirect", { status: badResp.status(), url_is_ours: fresh.url().startsWith(
		meta.issuer.replace(/\/$/, "")), error: await fresh.locator("#error").textContent() });
} finally {
	await browser.close();
	server.close();
}
