// The granted scope follows the user's roles: readers read, editors also write.
(user, context, callback) => {
  const roles = (user.app_metadata && user.app_metadata.roles) || [];
  const scopes = ['read:things'];
  if (roles.indexOf('editor') !== -1) scopes.push('write:things');
  const requested = (context.request.body.scope || '').split(' ');
  context.accessToken.scope = scopes.concat(requested.filter(function (s) {
    return s === 'openid' || s === 'profile' || s === 'email';
  }));
  callback(null, user, context);
}
