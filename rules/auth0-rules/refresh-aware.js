// Rules run on refresh too: note when the token came from a refresh token.
function refreshAware(user, context, callback) {
  if (context.protocol === 'oauth2-refresh-token') {
    context.accessToken['https://example.com/refreshed'] = true;
  }
  callback(null, user, context);
}
