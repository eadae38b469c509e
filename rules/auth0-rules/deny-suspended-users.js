// Support can suspend a user by setting app_metadata.suspended.
function denySuspendedUsers(user, context, callback) {
  if (user.app_metadata && user.app_metadata.suspended) {
    return callback(new UnauthorizedError('This account is suspended.'));
  }
  callback(null, user, context);
}
