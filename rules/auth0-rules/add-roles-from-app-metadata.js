// Roles kept in app_metadata, as a claim of both tokens.
function (user, context, callback) {
  const namespace = 'https://example.com/';
  const assignedRoles = (user.app_metadata || {}).roles || [];
  context.idToken[namespace + 'roles'] = assignedRoles;
  context.accessToken[namespace + 'roles'] = assignedRoles;
  callback(null, user, context);
}
