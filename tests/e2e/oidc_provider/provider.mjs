// A foreign authorization server for the gateway's e2e tests: npm oidc-provider
// issuing RFC 9068 JWT access tokens by client_credentials, with keys made at
// start (ES256 "foreign-ec", RS256 "foreign-rsa"). The resource indicator picks
// the audience and the signing algorithm:
//   https://api.tollgate.example/sim-swap  -> aud the sim-swap product, ES256
//   urn:e2e:sim-swap:rs256                 -> aud the sim-swap product, RS256
//   https://api.elsewhere.example          -> aud of nobody the gateway serves, ES256
// Env: PORT (required). Prints one JSON line {"listening": issuer} when ready.
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const SIM_SWAP = 'https://api.tollgate.example/sim-swap';

const privateJwk = (pair, kid, alg) => ({ ...pair.privateKey.export({ format: 'jwk' }), kid, alg, use: 'sig' });
const ecKey = privateJwk(generateKeyPairSync('ec', { namedCurve: 'P-256' }), 'foreign-ec', 'ES256');
const rsaKey = privateJwk(generateKeyPairSync('rsa', { modulusLength: 2048 }), 'foreign-rsa', 'RS256');

const resources = {
  [SIM_SWAP]: { audience: SIM_SWAP, alg: 'ES256' },
  'urn:e2e:sim-swap:rs256': { audience: SIM_SWAP, alg: 'RS256' },
  'https://api.elsewhere.example': { audience: 'https://api.elsewhere.example', alg: 'ES256' },
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'foreign-app',
    client_secret: 'foreign-app-secret-for-e2e-tests-only',
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
  }],
  jwks: { keys: [ecKey, rsaKey] },
  cookies: { keys: ['e2e-cookie-key'] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => SIM_SWAP,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (ctx, indicator) => {
        const r = resources[indicator];
        if (!r) throw new Provider.errors.InvalidTarget();
        return {
          scope: 'sim-swap:check sim-swap:retrieve-date',
          audience: r.audience,
          accessTokenTTL: 300,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: r.alg } },
        };
      },
    },
  },
});
provider.on('server_error', (ctx, err) => console.error('server_error', err));
provider.listen(port, '127.0.0.1', () => console.log(JSON.stringify({ listening: issuer })));
