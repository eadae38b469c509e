// Written for Auth0's password-exchange extension point (webtask compiler
// "password-exchange"): copies the user's plan into a namespaced access token claim.
module.exports = function (user, client, scope, audience, context, cb) {
  var access_token = {};
  access_token['https://example.com/plan'] = (user.app_metadata && user.app_metadata.plan) || 'free';
  access_token['https://example.com/client'] = client.name;
  access_token.scope = scope;
  cb(null, access_token);
};
