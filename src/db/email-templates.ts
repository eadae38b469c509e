import { eq } from "drizzle-orm";
import { type Db, first } from "./database.ts";
import type { EmailTemplateRow } from "./schema.ts";

export async function findEmailTemplate(db: Db, template: string): Promise<EmailTemplateRow | undefined> {
  const { emailTemplates } = db.tables;
  return await first(
    db.orm.select().from(emailTemplates).where(eq(emailTemplates.template, template)).limit(1),
  );
}

/** Stores a template whole (insert, or replace the stored one). */
export async function saveEmailTemplate(db: Db, row: EmailTemplateRow): Promise<EmailTemplateRow> {
  const { emailTemplates } = db.tables;
  const { template: _key, createdAt: _created, ...changes } = row;
  const saved = await first(
    db.orm
      .insert(emailTemplates)
      .values(row)
      .onConflictDoUpdate({ target: emailTemplates.template, set: changes })
      .returning(),
  );
  if (!saved) throw new Error("email template upsert returned nothing");
  return saved;
}
