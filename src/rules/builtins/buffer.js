// Node's `buffer` module for the rule realm: the `buffer` package, taught the "base64url"
// encoding that Node has had since v15.7 (https://nodejs.org/api/buffer.html) and JWT code
// uses. The package's base64 decoder already reads the URL-safe alphabet and missing padding,
// so decoding is base64's; encoding is base64 made URL-safe (RFC 4648 §5), unpadded like Node's.
const buffer = require("buffer/");

const { Buffer } = buffer;
const isBase64url = (encoding) => typeof encoding === "string" && encoding.toLowerCase() === "base64url";
const urlSafe = (base64) => base64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

const { from, byteLength, isEncoding } = Buffer;
const { toString: baseToString, write: baseWrite } = Buffer.prototype;

Buffer.isEncoding = (encoding) => isBase64url(encoding) || isEncoding(encoding);
Buffer.byteLength = (value, encoding) => byteLength(value, isBase64url(encoding) ? "base64" : encoding);
Buffer.from = function bufferFrom(value, encodingOrOffset, length) {
  if (typeof value === "string" && isBase64url(encodingOrOffset)) return from(value, "base64");
  return from(value, encodingOrOffset, length);
};
Buffer.prototype.toString = function bufferToString(...args) {
  if (isBase64url(args[0])) return urlSafe(baseToString.call(this, "base64", args[1], args[2]));
  return baseToString.apply(this, args);
};
Buffer.prototype.toLocaleString = Buffer.prototype.toString;
// write(string[, offset[, length]][, encoding]): the encoding is the last argument given.
Buffer.prototype.write = function bufferWrite(...args) {
  const last = args.length - 1;
  if (last > 0 && isBase64url(args[last])) args[last] = "base64";
  return baseWrite.apply(this, args);
};

module.exports = buffer;
