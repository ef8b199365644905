// The certified OpenID Connect provider (npm's oidc-provider), run by the single sign-on tests as a county's
// identity service: one confidential client (authorization code with PKCE), the package's own sign-in form, which
// lets in any username (so the tests can show that Dispatch, not the provider, decides who enters).
//
//   PORT=... CLIENT_ID=... CLIENT_SECRET=... REDIRECT_URI=... node provider.js
import Provider from "oidc-provider";

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const clientId = process.env.CLIENT_ID;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: process.env.CLIENT_SECRET,
    redirect_uris: process.env.REDIRECT_URI.split(" "),
    grant_types: ["authorization_code"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_basic",
  }],
  cookies: { keys: ["single-sign-on-tests"] },
  pkce: { required: () => true },
  claims: { openid: ["sub"], profile: ["preferred_username", "name"] },
  // the account's subject differs from its username, so only the configured claim can match a user
  async findAccount(ctx, id) {
    return { accountId: id, claims: async () => ({ sub: `subject-${id}`, preferred_username: id, name: id }) };
  },
  // the county's own client needs no consent screen: its grant is given at once
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope("openid profile");
    await grant.save();
    return grant;
  },
});

provider.listen(port, "127.0.0.1", () => console.log(`listening on ${issuer}`));
