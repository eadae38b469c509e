// The sample rule from Auth0's "Using Rules with Resource Owner Password Grant":
// adds a namespaced claim and the `extra` scope to every password exchange.
module.exports = function (user, client, scope, audience, context, cb) {
  var access_token = {};
  access_token['https://foo.com/claim'] = 'bar';
  access_token.scope = scope;
  access_token.scope.push('extra');
  cb(null, access_token);
};
