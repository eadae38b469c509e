import type { Command } from "commander";
import type { enrollmentView } from "../../management/guardian.ts";
import type { ApiClient } from "../api-client.ts";
import type { CliContext } from "../context.ts";

/** A user's Guardian enrollment, as `GET /api/v2/users/{id}/enrollments` answers. */
type Enrollment = ReturnType<typeof enrollmentView>;

const userPath = (id: string) => `/api/v2/users/${encodeURIComponent(id)}`;

const listEnrollments = (api: ApiClient, userId: string) =>
  api.call<Enrollment[]>("GET", `${userPath(userId)}/enrollments`);

const line = (enrollment: Enrollment) =>
  `${enrollment.id}  ${enrollment.status}  enrolled ${enrollment.enrolled_at}  ${
    enrollment.last_auth ? `last used ${enrollment.last_auth}` : "never used"
  }`;

/**
 * `rulegate users enrollments|reset-mfa|recovery-code`: a user's MFA (Auth0's Guardian
 * enrollments), the reset for a lost device, and a new recovery code.
 */
export function registerUserMfa(users: Command, cli: CliContext): void {
  users
    .command("enrollments <id>")
    .description("list a user's MFA enrollments (pending until the first code, then confirmed)")
    .action(async (id: string) => {
      const enrollments = await listEnrollments(cli.api(), id);
      const out = cli.out();
      if (enrollments.length === 0 && !out.json) return out.note(`${id} has no MFA enrollment`);
      out.list(enrollments, line);
    });
  users
    .command("reset-mfa <id>")
    .description(
      "delete every MFA enrollment of a user (a lost device): they enroll again at their next login",
    )
    .action(async (id: string) => {
      const api = cli.api();
      const enrollments = await listEnrollments(api, id);
      for (const enrollment of enrollments)
        await api.call("DELETE", `/api/v2/guardian/enrollments/${encodeURIComponent(enrollment.id)}`);
      const out = cli.out();
      if (out.json) out.show({ deleted: enrollments.map((enrollment) => enrollment.id) });
      else
        out.note(
          enrollments.length === 0
            ? `${id} had no MFA enrollment`
            : `deleted ${enrollments.length} MFA enrollment${enrollments.length === 1 ? "" : "s"} of ${id}`,
        );
    });
  users
    .command("recovery-code <id>")
    .description("give a user a new MFA recovery code in place of the old one; it is shown only this once")
    .action(async (id: string) => {
      const answer = await cli
        .api()
        .call<{ recovery_code: string }>("POST", `${userPath(id)}/recovery-code-regeneration`);
      const out = cli.out();
      out.show(answer);
      out.note("shown once: the server keeps only its hash, and the old code no longer works");
    });
}
