// bench/oidc-provider.mjs: oidc-provider (npm, from tests/js) configured as
// mxgate is for bench/oauth.py: one confidential client (client_secret_basic)
// with the authorization code, refresh token and client credentials grants,
// refresh tokens rotated on every use, access tokens opaque and 300 s,
// introspection on, the in-memory adapter.  It prints one JSON line:
// {"port", "access_token", "refresh_tokens": [N tokens]}, the tokens minted
// through its own models (an account, a grant with the scope, a refresh token
// each), as mxgate's are minted through its code flow.
//
//   node bench/oidc-provider.mjs PORT N
import Provider from "../tests/js/node_modules/oidc-provider/lib/index.js";

const port = Number(process.argv[2]);
const count = Number(process.argv[3] ?? 32);
const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
	clients: [{
		client_id: "bench", client_secret: "bench secret",
		grant_types: ["authorization_code", "refresh_token", "client_credentials"],
		redirect_uris: ["https://bench.example/cb"],
		token_endpoint_auth_method: "client_secret_basic",
	}],
	scopes: ["openid", "offline_access", "api"],
	features: {
		introspection: { enabled: true },
		revocation: { enabled: true },
		clientCredentials: { enabled: true },
		devInteractions: { enabled: false },
	},
	rotateRefreshToken: true,
	ttl: { AccessToken: 300, RefreshToken: 14 * 24 * 3600, Grant: 14 * 24 * 3600 },
	findAccount: (ctx, id) => ({ accountId: id, claims: () => ({ sub: id }) }),
});
provider.on("server_error", (ctx, err) => console.error(err));

const client = await provider.Client.find("bench");
async function refreshToken() {
	const grant = new provider.Grant({ accountId: "alice", clientId: "bench" });
	grant.addOIDCScope("offline_access api");
	const grantId = await grant.save();
	return new provider.RefreshToken({ accountId: "alice", client, grantId,
		scope: "offline_access api", gty: "authorization_code",
		authTime: Math.floor(Date.now() / 1000) }).save();
}
const tokens = [];
for (let i = 0; i < count; i++) tokens.push(await refreshToken());
const grant = new provider.Grant({ accountId: "alice", clientId: "bench" });
grant.addOIDCScope("offline_access api");
const at = new provider.AccessToken({ accountId: "alice", client, grantId: await grant.save(),
	scope: "offline_access api", gty: "authorization_code" });
const accessToken = await at.save();

const server = provider.listen(port, "127.0.0.1", () => {
	console.log(JSON.stringify({ port, access_token: accessToken, refresh_tokens: tokens }));
});
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => server.close(() => process.exit(0)));
