import type { ClientRow, GrantType } from "../db/schema.ts";
import { UnauthorizedClient, withAudit } from "./errors.ts";

/** RFC 6749 §5.2 `unauthorized_client`: the client is not allowed this grant type. */
export function assertGrantAllowed(client: ClientRow, grantType: GrantType): void {
  if (!client.grantTypes.includes(grantType)) {
    throw withAudit(new UnauthorizedClient(`The client is not allowed the ${grantType} grant.`), {
      clientId: client.clientId,
      clientName: client.name,
    });
  }
}
