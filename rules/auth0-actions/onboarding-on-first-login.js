// post-login: marks new users for onboarding, once, and tells the app.
exports.onExecutePostLogin = async (event, api) => {
  if (event.stats.logins_count === 1) {
    api.user.setUserMetadata('onboarding', 'pending');
  }
  api.idToken.setCustomClaim('https://example.com/first_login', event.stats.logins_count === 1);
};
