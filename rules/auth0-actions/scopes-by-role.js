// post-login: editors may write, everyone else only reads.
exports.onExecutePostLogin = async (event, api) => {
  const roles = (event.user.app_metadata && event.user.app_metadata.roles) || [];
  if (!roles.includes('editor')) {
    api.accessToken.removeScope('write:things');
  }
};
