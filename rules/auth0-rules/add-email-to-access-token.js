// Auth0's "Add email to access token" template, in our words: the API sees who called.
function addEmailToAccessToken(user, context, callback) {
  const namespace = 'https://example.com/';
  context.accessToken[namespace + 'email'] = user.email;
  return callback(null, user, context);
}
