// post-login: the API sees who called.
exports.onExecutePostLogin = async (event, api) => {
  api.accessToken.setCustomClaim('https://example.com/email', event.user.email);
};
