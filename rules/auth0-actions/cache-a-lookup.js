// post-login: work done once and kept in the action's cache for later logins.
exports.onExecutePostLogin = async (event, api) => {
  let plans = api.cache.get('plans');
  if (!plans) {
    const value = JSON.stringify({ 'example.com': 'enterprise' });
    api.cache.set('plans', value, { ttl: 60000 });
    plans = { value };
  }
  const domain = event.user.email.split('@')[1];
  api.accessToken.setCustomClaim('https://example.com/plan', JSON.parse(plans.value)[domain] || 'free');
};
