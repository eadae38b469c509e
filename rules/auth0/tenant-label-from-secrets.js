// Reads a secret set with `wt create --secret TENANT_LABEL=...` (Rulegate: `rulegate rule
// deploy FILE --secret TENANT_LABEL=...`) from context.webtask.secrets.
module.exports = function (user, client, scope, audience, context, cb) {
  var access_token = {};
  access_token['https://example.com/tenant'] = context.webtask.secrets.TENANT_LABEL;
  access_token['https://example.com/audience'] = audience;
  access_token.scope = scope;
  cb(null, access_token);
};
