// In-process equivalent of an Auth0 rule, run for every issued token after the
// password was verified and before the access token is signed.
// Signature as in Auth0 rules: (user, context, callback).
//   context.accessToken.scope  - array of granted scopes (may be changed)
//   context.accessToken[claim] - extra claims for the access token
export const rules = [
  function addFooClaimAndExtraScope(user, context, callback) {
    context.accessToken["https://foo.com/claim"] = "bar";
    context.accessToken.scope = context.accessToken.scope || [];
    context.accessToken.scope.push("extra");
    callback(null, user, context);
  },
];
