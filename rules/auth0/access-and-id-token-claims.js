// The nested result shape of the extension's documentation: claims for each token.
module.exports = function (user, client, scope, audience, context, cb) {
  cb(null, {
    accessToken: { scope: scope, 'https://example.com/roles': user.app_metadata.roles || [] },
    idToken: { 'https://example.com/display_name': user.displayName }
  });
};
