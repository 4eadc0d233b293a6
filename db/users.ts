import { eq } from "drizzle-orm";
import type { DbOrTx } from "./client.ts";
import { users } from "./schema/index.ts";

/** The id of user `name`, created on first use. Idempotent and safe under concurrency. */
export const ensureUser = async (db: DbOrTx, name: string): Promise<number> => {
  const find = () => db.select({ id: users.id }).from(users).where(eq(users.name, name));
  // Read first: every command calls this, and only the first one for a user has to write.
  const [existing] = await find();
  if (existing) return existing.id;
  await db.insert(users).values({ name }).onConflictDoNothing();
  const [row] = await find();
  return row!.id;
};
