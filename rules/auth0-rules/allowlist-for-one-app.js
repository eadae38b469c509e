// One application is open only to some users; every other application to all.
function allowlistForOneApp(user, context, callback) {
  if (context.clientName !== 'Back office') return callback(null, user, context);
  const allowlist = ['alice@example.com'];
  const userHasAccess = allowlist.some(function (email) {
    return email === user.email;
  });
  if (!userHasAccess) return callback(new UnauthorizedError('Access denied.'));
  callback(null, user, context);
}
