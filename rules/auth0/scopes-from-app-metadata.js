// Grants only the scopes listed in the user's app_metadata.allowed_scopes.
module.exports = function (user, client, scope, audience, context, cb) {
  var allowed = (user.app_metadata && user.app_metadata.allowed_scopes) || [];
  var access_token = {};
  access_token.scope = scope.filter(function (s) {
    return allowed.indexOf(s) !== -1;
  });
  cb(null, access_token);
};
