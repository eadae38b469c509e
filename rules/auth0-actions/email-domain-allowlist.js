// post-login: only users of some email domains get tokens.
exports.onExecutePostLogin = async (event, api) => {
  const allowed = ['example.com', 'example.org'];
  const domain = (event.user.email || '').split('@').pop().toLowerCase();
  if (!allowed.includes(domain)) {
    api.access.deny('Access denied.');
  }
};
