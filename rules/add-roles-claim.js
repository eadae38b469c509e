// Copies the user's roles from app_metadata into a namespaced claim of the access token
// and of the ID token, keeping the granted scope.
module.exports = async function (user, client, scope, audience, context) {
  var roles = Array.isArray(user.app_metadata.roles) ? user.app_metadata.roles : [];
  return {
    accessToken: { scope: scope, 'https://rulegate.example/roles': roles },
    idToken: { 'https://rulegate.example/roles': roles },
  };
};
