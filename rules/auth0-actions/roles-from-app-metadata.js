// post-login: roles kept in app_metadata, as a claim of both tokens.
exports.onExecutePostLogin = async (event, api) => {
  const namespace = 'https://example.com';
  const roles = (event.user.app_metadata && event.user.app_metadata.roles) || [];
  api.idToken.setCustomClaim(`${namespace}/roles`, roles);
  api.accessToken.setCustomClaim(`${namespace}/roles`, roles);
};
