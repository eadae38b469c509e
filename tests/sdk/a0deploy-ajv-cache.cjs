/**
 * Preloaded into a0deploy's Node process by a0deploy-support.ts (`node --require`). An
 * a0deploy import validates the whole configuration schema (8 MB: the prompts' custom texts
 * for every language) twice, each time with a new Ajv 6 instance that compiles it anew: about
 * 18 s of one core per validation. Here every Ajv instance a0deploy makes shares one
 * compiled-schema cache (Ajv 6's own `cache` option, keyed by the serialized schema), so the
 * second validation reuses the first one's validator. What is validated, with which options,
 * is unchanged.
 */
const path = require("node:path");

const cli = path.dirname(require.resolve("auth0-deploy-cli/package.json"));
const ajvPath = require.resolve("ajv/lib/ajv", { paths: [cli] });
const Ajv = require(ajvPath);
const Cache = require(path.join(path.dirname(ajvPath), "cache.js"));
const shared = new Cache();

function SharedCacheAjv(options) {
  return new Ajv(options && options.cache === undefined ? { ...options, cache: shared } : options);
}
Object.assign(SharedCacheAjv, Ajv);
SharedCacheAjv.prototype = Ajv.prototype;
require.cache[ajvPath].exports = SharedCacheAjv;
