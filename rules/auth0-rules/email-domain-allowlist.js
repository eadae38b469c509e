// Only users of some email domains may log in.
function emailDomainAllowlist(user, context, callback) {
  if (!user.email) return callback(new UnauthorizedError('Access denied.'));
  const allowlist = ['example.com', 'example.org'];
  const userHasAccess = allowlist.some(function (domain) {
    const emailSplit = user.email.split('@');
    return emailSplit[emailSplit.length - 1].toLowerCase() === domain;
  });
  if (!userHasAccess) return callback(new UnauthorizedError('Access denied.'));
  return callback(null, user, context);
}
