/**
 * A credentials-exchange rule (Auth0's credentials-exchange hook): runs on every client
 * credentials exchange. It tags the token with the client's tier (from client_metadata)
 * and keeps clients of the tiers listed in the READ_ONLY_TIERS secret to read scopes.
 *
 *   rulegate rule deploy rules/credentials-exchange.js --credentials-exchange \
 *     --secret READ_ONLY_TIERS=gold,silver
 */
module.exports = function (client, scope, audience, context, cb) {
  const readOnlyTiers = (context.webtask.secrets.READ_ONLY_TIERS || "").split(",");
  const tier = client.metadata.tier || "standard";
  const accessToken = {
    "https://example.com/tier": tier,
    "https://example.com/client_name": client.name,
  };
  accessToken.scope = readOnlyTiers.includes(tier)
    ? scope.filter((granted) => granted.startsWith("read:"))
    : scope;
  cb(null, accessToken);
};
