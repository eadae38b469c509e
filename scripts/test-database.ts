/**
 * Creates or drops the PostgreSQL database of one test run (scripts/test-postgres.sh).
 *   bun scripts/test-database.ts wait <server-url>           waits up to 20 s for the server
 *   bun scripts/test-database.ts create <server-url> <name>
 *   bun scripts/test-database.ts drop <server-url> <name>    drops <name> and every <name>_…
 * <server-url> names the server and an existing database to connect to (postgres://…/postgres).
 */
import postgres from "postgres";

const [command, serverUrl, name] = process.argv.slice(2);
if (!serverUrl || (command !== "wait" && !name)) {
  console.error("usage: test-database.ts wait|create|drop <server-url> [name]");
  process.exit(2);
}
const sql = postgres(serverUrl, { max: 1, onnotice: () => {}, connect_timeout: 3 });
try {
  if (command === "wait") {
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        await sql`select 1`;
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  } else if (command === "create") {
    await sql`create database ${sql(name!)}`;
  } else if (command === "drop") {
    const databases = await sql<{ datname: string }[]>`
      select datname from pg_database where datname = ${name!} or datname like ${`${name}\\_%`}`;
    for (const { datname } of databases) await sql`drop database if exists ${sql(datname)} with (force)`;
  } else {
    throw new Error(`unknown command ${command}`);
  }
} catch (error) {
  console.error(`test-database ${command}: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await sql.end();
}
