// Auth0's documented way to deny the exchange: call back with an Error.
module.exports = function (user, client, scope, audience, context, cb) {
  if (user.email.split('@')[1] !== 'example.com') {
    return cb(new Error('access denied'));
  }
  cb(null, { scope: scope });
};
