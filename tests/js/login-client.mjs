// login-client.mjs: a real Matrix client (matrix-js-sdk) that uses mxgate
// as its homeserver URL: login flows, password logins (localpart, e-mail,
// a wrong password, a locked-out account), then, logged in, a directory
// search and a profile.  Driven by tests/integration/test_login_client.py.
//
// Environment: BASE_URL (mxgate's client listener), USER (a localpart),
// EMAIL (that person's address), PASSWORD, LOCK_USER (a person to lock out),
// LOCK_TRIES (failures before the lockout), SEARCH_TERM, PROFILE_USER.
// Prints one JSON object per step on stdout; exit status 0 unless
// something threw unexpectedly.
import * as sdk from "matrix-js-sdk";

const env = (k) => {
	if (process.env[k] === undefined) throw new Error(`${k} not set`);
	return process.env[k];
};
const say = (step, data) => console.log(JSON.stringify({ step, ...data }));
const quiet = { trace() {}, debug() {}, info() {}, log() {}, warn() {}, error() {},
	getChild() { return quiet; } };
const base = env("BASE_URL");
const client = sdk.createClient({ baseUrl: base, logger: quiet });

// What a refused request says, the way an application reads a MatrixError.
async function attempt(promise) {
	try {
		return { ok: true, value: await promise };
	} catch (e) {
		return { ok: false, errcode: e.errcode ?? null, status: e.httpStatus ?? null,
			 retry_after_ms: e.data?.retry_after_ms ?? null };
	}
}

// 1. The flows a login screen offers.
const flows = await client.loginFlows();
say("flows", { types: flows.flows.map((f) => f.type) });

// 2. A localpart and a password, with a device name.
const byName = await client.loginRequest({
	type: "m.login.password",
	identifier: { type: "m.id.user", user: env("USER") },
	password: env("PASSWORD"),
	initial_device_display_name: "matrix-js-sdk test",
});
say("login_localpart", { user_id: byName.user_id, device_id: byName.device_id,
	has_token: typeof byName.access_token === "string" });

// 3. An e-mail address instead of the user name.
const byMail = await client.loginRequest({
	type: "m.login.password",
	identifier: { type: "m.id.thirdparty", medium: "email", address: env("EMAIL") },
	password: env("PASSWORD"),
});
say("login_email", { user_id: byMail.user_id });

// 4. A wrong password.
const wrong = await attempt(client.loginRequest({
	type: "m.login.password",
	identifier: { type: "m.id.user", user: env("USER") },
	password: env("PASSWORD") + "-not",
}));
say("login_wrong", wrong);

// 5. Guessing until locked out; then the right password is refused too.
const tries = Number(env("LOCK_TRIES"));
const guess = (password) => attempt(client.loginRequest({
	type: "m.login.password",
	identifier: { type: "m.id.user", user: env("LOCK_USER") },
	password,
}));
for (let i = 0; i < tries; i++) await guess("guess-" + i);
say("login_locked", await guess(env("PASSWORD")));

// 6. Logged in: the directory and a profile through mxgate.
const session = sdk.createClient({ baseUrl: base, accessToken: byName.access_token,
	userId: byName.user_id, deviceId: byName.device_id, logger: quiet });
const found = await attempt(session.searchUserDirectory({ term: env("SEARCH_TERM"), limit: 10 }));
say("directory", found.ok ? { ok: true, limited: found.value.limited,
	user_ids: found.value.results.map((r) => r.user_id),
	names: found.value.results.map((r) => r.display_name ?? null) } : found);
const profile = await attempt(session.getProfileInfo(env("PROFILE_USER")));
say("profile", profile.ok ? { ok: true, ...profile.value } : profile);
