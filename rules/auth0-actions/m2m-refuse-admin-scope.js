// credentials-exchange: no machine token may carry the admin scope.
exports.onExecuteCredentialsExchange = async (event, api) => {
  if (event.transaction.requested_scopes.includes('admin:things')) {
    api.access.deny('invalid_scope', 'Machines may not have admin:things.');
  }
};
