// Node's `querystring` module (https://nodejs.org/api/querystring.html): `parse` and
// `stringify` (and their aliases) from `querystring-es3`, and the `escape` and `unescape`
// it lacks, which Node defines as percent-encoding of a component and its inverse.
const querystring = require("querystring-es3");

/** Node's `querystring.unescape`: percent-decoding, or the text itself where it is malformed. */
function percentDecode(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

module.exports = {
  ...querystring,
  escape: (text) => encodeURIComponent(text),
  unescape: percentDecode,
};
