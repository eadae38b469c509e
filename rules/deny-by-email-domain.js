// Denies the token unless the user's email domain is allowed, or when an admin has set
// app_metadata.api_access_revoked. Allowed domains come from the rule's secrets:
//   PUT /api/v2/rules/password-exchange/secrets  {"ALLOWED_DOMAINS": "example.com,example.org"}
module.exports = function (user, client, scope, audience, context, cb) {
  if (user.app_metadata && user.app_metadata.api_access_revoked) {
    return cb(new Error('API access has been revoked for this user.'));
  }
  var allowed = (context.webtask.secrets.ALLOWED_DOMAINS || '')
    .split(',')
    .map(function (domain) { return domain.trim().toLowerCase(); })
    .filter(Boolean);
  var domain = String(user.email).split('@').pop().toLowerCase();
  if (allowed.length > 0 && allowed.indexOf(domain) === -1) {
    return cb(new Error('Users from ' + domain + ' may not use this API.'));
  }
  cb(null, { scope: scope });
};
