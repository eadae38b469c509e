// Tells the app whether this is the user's first login, and counts logins in app_metadata.
async function firstLoginFlag(user, context, callback) {
  user.app_metadata = user.app_metadata || {};
  user.app_metadata.logins = (user.app_metadata.logins || 0) + 1;
  try {
    await auth0.users.updateAppMetadata(user.user_id, user.app_metadata);
  } catch (err) {
    return callback(err);
  }
  context.idToken['https://example.com/first_login'] = context.stats.loginsCount === 1;
  callback(null, user, context);
}
