// A real OpenID Connect provider for dxgen's SSO tests (the certified `oidc-provider` package).
// Started by tests/sso/oidc.py with: PORT, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, JWKS_FILE.
// Its built-in development login form accepts any account name (it becomes the `sub`) with any
// password; the account's email is `<sub>@example.com`.
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const port = Number(env('PORT'));
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: env('CLIENT_ID'),
      client_secret: env('CLIENT_SECRET'),
      redirect_uris: env('REDIRECT_URI').split(','),
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: JSON.parse(readFileSync(env('JWKS_FILE'), 'utf8')),
  cookies: { keys: ['dxgen-sso-test-cookie-key'] },
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['given_name', 'family_name'],
  },
  findAccount: async (ctx, sub) => ({
    accountId: sub,
    claims: async () => ({
      sub,
      email: `${sub}@example.com`,
      email_verified: true,
      given_name: sub.charAt(0).toUpperCase() + sub.slice(1),
      family_name: 'Tester',
    }),
  }),
});

provider.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${issuer}\n`);
});
