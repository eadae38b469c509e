import { expect, test } from "bun:test";
import { listenErrorMessage } from "../src/listen-error-message.ts";

const address = { host: "0.0.0.0", port: 3000 };
const failure = (code: string | undefined, message: string) => Object.assign(new Error(message), { code });

test("an address in use names PORT and HOST", () => {
  expect(
    listenErrorMessage(failure("EADDRINUSE", "Failed to start server. Is port 3000 in use?"), address),
  ).toBe(
    "PORT 3000 on HOST 0.0.0.0: address already in use (another server holds it); stop it or choose another PORT",
  );
});

test("a privileged port names PORT", () => {
  expect(listenErrorMessage(failure("EACCES", "permission denied"), address)).toStartWith(
    "PORT 3000 on HOST 0.0.0.0: permission denied",
  );
});

test("anything else names HOST, with the first line of the reason", () => {
  const error = failure(
    undefined,
    "failed to lookup address information: Name or service not known\n    at serve",
  );
  expect(listenErrorMessage(error, { host: "nosuch.invalid", port: 3000 })).toBe(
    'HOST "nosuch.invalid" cannot be listened on (PORT 3000): failed to lookup address information: Name or service not known',
  );
});
