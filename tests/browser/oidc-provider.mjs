// A real OpenID Connect provider for the login tests: the npm package oidc-provider on a
// loopback port, with one client registered for the test. Its development login and
// consent pages accept any login name (the account's id; its address is the name when it
// holds an @, else NAME@example.org) and any password.
//
//   REDIRECT_URI=http://127.0.0.1:PORT/login/test/callback \
//   POST_LOGOUT_URI=http://127.0.0.1:PORT/ node oidc-provider.mjs
//
// prints `ready ISSUER` once it listens. With ROGUE_KEYS=1 it publishes other keys than the
// one it signs with, as a provider impersonated by someone else would look.
import http from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const redirect = process.env.REDIRECT_URI;
const postLogout = process.env.POST_LOGOUT_URI;
if (!redirect || !postLogout) {
  console.error('REDIRECT_URI and POST_LOGOUT_URI are needed');
  process.exit(2);
}

function rsaKey(kid) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
}

function publicPart({ kty, n, e, kid, use, alg }) {
  return { kty, n, e, kid, use, alg };
}

const signing = rsaKey('k1');
const impostor = rsaKey('k1');

const server = http.createServer();
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'communs-test',
        client_secret: 'communs-test-secret',
        redirect_uris: [redirect],
        post_logout_redirect_uris: [postLogout],
        response_types: ['code'],
        grant_types: ['authorization_code'],
      },
    ],
    jwks: { keys: [signing] },
    pkce: { required: () => true },
    // The ID token carries the profile and e-mail claims (not only the userinfo answer).
    conformIdTokenClaims: false,
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    cookies: { keys: ['communs-test-cookies'] },
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    findAccount: async (_ctx, id) => ({
      accountId: id,
      claims: async () => ({
        sub: id,
        email: id.includes('@') ? id : `${id}@example.org`,
        email_verified: true,
        name: `Person ${id.split('@')[0]}`,
      }),
    }),
  });
  const callback = provider.callback();
  server.on('request', (req, res) => {
    if (process.env.ROGUE_KEYS === '1' && req.url.startsWith('/jwks')) {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [publicPart(impostor)] }));
      return;
    }
    callback(req, res);
  });
  console.log(`ready ${issuer}`);
});
