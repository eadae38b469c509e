// Logins only from known addresses; the list is a configuration value.
function ipAddressAllowlist(user, context, callback) {
  const allowlist = (configuration.ALLOWED_IPS || '').split(',').map(function (ip) { return ip.trim(); });
  const userHasAccess = allowlist.some(function (ip) {
    return context.request.ip === ip;
  });
  if (!userHasAccess) return callback(new Error('Access denied from this IP address.'));
  return callback(null, user, context);
}
