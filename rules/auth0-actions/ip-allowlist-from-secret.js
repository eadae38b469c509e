// post-login: logins only from known addresses, listed in the action's secret.
exports.onExecutePostLogin = async (event, api) => {
  const allowed = (event.secrets.ALLOWED_IPS || '').split(',').map((ip) => ip.trim());
  if (!allowed.includes(event.request.ip)) {
    api.access.deny('Access denied from this IP address.');
  }
};
