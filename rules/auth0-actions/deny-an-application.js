// post-login: one application is closed to users outside the support team.
exports.onExecutePostLogin = async (event, api) => {
  if (event.client.name !== 'Back office') return;
  const team = (event.user.app_metadata && event.user.app_metadata.team) || '';
  if (team !== 'support') {
    api.access.deny(`${event.client.name} is for the support team only.`);
  }
};
