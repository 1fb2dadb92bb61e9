// Drives our authorization server with npm openid-client (an independent OAuth
// client) and verifies its tokens with npm jose. Run by
// tests/e2e/test_authz_node_clients.py; prints one JSON line of results and
// exits non-zero on the first failure.
// Env: ISSUER, CLIENT_ID, CLIENT_SECRET (a secret client), PK_CLIENT_ID and
// PK_JWK (a private_key_jwt client and its private JWK), SCOPE, AUDIENCE.
import * as client from 'openid-client';
import { createRemoteJWKSet, importJWK, jwtVerify, decodeProtectedHeader } from 'jose';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const issuer = new URL(env('ISSUER'));
const scope = env('SCOPE');
const audience = env('AUDIENCE');
const insecure = { execute: [client.allowInsecureRequests] };  // the test server is plain http on loopback

async function discover(clientId, metadata, auth) {
  return client.discovery(issuer, clientId, metadata, auth, insecure);
}

const out = {};
const config = await discover(env('CLIENT_ID'), env('CLIENT_SECRET'), client.ClientSecretBasic(env('CLIENT_SECRET')));
const meta = config.serverMetadata();
out.issuer = meta.issuer;
const jwks = createRemoteJWKSet(new URL(meta.jwks_uri));
const verify = async (token) => {
  const { payload, protectedHeader } = await jwtVerify(token, jwks, {
    issuer: meta.issuer, audience, typ: 'at+jwt', algorithms: ['ES256'],
  });
  return { payload, protectedHeader };
};

// client_secret_basic
const basic = await client.clientCredentialsGrant(config, { scope });
const vb = await verify(basic.access_token);
out.basic = { token_type: basic.token_type, scope: vb.payload.scope, kid: vb.protectedHeader.kid };

// client_secret_post
const postConfig = await discover(env('CLIENT_ID'), env('CLIENT_SECRET'), client.ClientSecretPost(env('CLIENT_SECRET')));
const post = await client.clientCredentialsGrant(postConfig, { scope });
out.post = { sub: (await verify(post.access_token)).payload.sub };

// private_key_jwt (assertion signed by openid-client with the partner's key)
const jwk = JSON.parse(env('PK_JWK'));
const key = await importJWK(jwk, 'ES256');
const pkConfig = await discover(env('PK_CLIENT_ID'), {}, client.PrivateKeyJwt({ key, kid: jwk.kid }));
const pk = await client.clientCredentialsGrant(pkConfig, { scope });
const vpk = await verify(pk.access_token);
out.private_key_jwt = { client_id: vpk.payload.client_id, alg: decodeProtectedHeader(pk.access_token).alg };

// introspect (RFC 7662): the owner sees it active, another client (the secret
// one) sees it inactive; revoke (RFC 7009); the owner then sees it inactive.
const before = await client.tokenIntrospection(pkConfig, pk.access_token);
const foreign = await client.tokenIntrospection(config, pk.access_token);
await client.tokenRevocation(pkConfig, pk.access_token);
const after = await client.tokenIntrospection(pkConfig, pk.access_token);
out.introspection = { before: before.active, after: after.active, foreign: foreign.active, jti: before.jti === vpk.payload.jti };

console.log(JSON.stringify(out));
