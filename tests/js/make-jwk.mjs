// make-jwk.mjs: a key pair for a private_key_jwt client, made with jose:
// argv[2] gets the private JWK (with kid and alg), argv[3] the public JWKS
// mxgate's config points at (oauth.clients[].jwks_file).  argv[4]: the
// algorithm (default ES256).
import * as jose from "jose";
import { writeFileSync } from "node:fs";

const alg = process.argv[4] ?? "ES256";
const { publicKey, privateKey } = await jose.generateKeyPair(alg, { extractable: true });
const pub = await jose.exportJWK(publicKey);
const kid = await jose.calculateJwkThumbprint(pub);
const priv = { ...(await jose.exportJWK(privateKey)), kid, alg };
writeFileSync(process.argv[2], JSON.stringify(priv), { mode: 0o600 });
writeFileSync(process.argv[3], JSON.stringify({ keys: [{ ...pub, kid, alg, use: "sig" }] }));
