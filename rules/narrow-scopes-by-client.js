// Narrows the granted scopes to those a client may have, listed space-separated in its
// client_metadata.allowed_scopes (e.g. "read:sample openid"). Clients without the key
// keep every granted scope; a client left with none is refused with invalid_scope.
module.exports = function (user, client, scope, audience, context, cb) {
  var listed = client.metadata.allowed_scopes;
  if (listed === undefined) return cb(null, { scope: scope });
  var allowed = listed.split(' ').filter(Boolean);
  var narrowed = scope.filter(function (value) { return allowed.indexOf(value) !== -1; });
  if (narrowed.length === 0) {
    return cb(new InvalidScopeError('None of the requested scopes is allowed for this client.'));
  }
  console.log('narrowed scope for ' + client.name + ': ' + narrowed.join(' '));
  cb(null, { scope: narrowed });
};
