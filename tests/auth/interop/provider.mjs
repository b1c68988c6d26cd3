// A third-party OpenID provider (the npm package oidc-provider) for the interoperability test.
// Usage: node provider.mjs <port> <redirect_uri> <client_secret>. Prints "READY <issuer>" when listening.
// Accounts: the login name is the account id, which oidc-provider sends as "sub" (dev interactions:
// any password).
import Provider from 'oidc-provider';

const [port, redirectUri, clientSecret] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const ORG = 'urn:etoegang:core:LegalSubjectID';

// eHerkenning-like identities: a pseudonymous subject, the organisation and the employee id.
const ACCOUNTS = {
  'pseudonym-anna-7f3a': { employee_id: 'anna.devries', [ORG]: '00000001002306608000', name: 'Anna de Vries' },
  'pseudonym-daan-91c2': { employee_id: 'daan.visser', [ORG]: '00000001001589623000', name: 'Daan Visser' },
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'cbs-monitor',
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { required: () => true },
  claims: { openid: ['sub', 'employee_id', ORG, 'name'] },
  // Put the claims of the granted scope in the ID token (the portal reads no userinfo).
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  // The provider's cookies need a key; a fixed one is fine for a throwaway test provider.
  cookies: { keys: ['interop-test-only'] },
  async findAccount(ctx, id) {
    const account = ACCOUNTS[id];
    if (!account) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...account }; } };
  },
});
const server = provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`READY ${issuer}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
