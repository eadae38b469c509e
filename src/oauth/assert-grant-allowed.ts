import type { ClientRow } from "../db/schema.ts";
import type { GrantType } from "../model/grant-types.ts";
import { UnauthorizedClient } from "./errors.ts";

/** RFC 6749 §5.2 `unauthorized_client`: the client is not allowed this grant type. */
export function assertGrantAllowed(client: ClientRow, grantType: GrantType): void {
  if (!client.grantTypes.includes(grantType)) {
    throw new UnauthorizedClient(`The client is not allowed the ${grantType} grant.`);
  }
}
