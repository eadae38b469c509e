// credentials-exchange: the client's tier from its metadata, as a claim of its token.
exports.onExecuteCredentialsExchange = async (event, api) => {
  const tier = (event.client.metadata && event.client.metadata.tier) || 'standard';
  api.accessToken.setCustomClaim('https://example.com/tier', tier);
};
