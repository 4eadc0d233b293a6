import { eq } from "drizzle-orm";
import type { DbOrTx } from "./client.ts";
import { users } from "./schema/index.ts";

/** The id of user `name`, created on first use. Idempotent and safe under concurrency. */
export const ensureUser = async (db: DbOrTx, name: string): Promise<number> => {
  await db.insert(users).values({ name }).onConflictDoNothing();
  const [row] = await db.select({ id: users.id }).from(users).where(eq(users.name, name));
  return row!.id;
};
