import { createHash, randomBytes } from "node:crypto";
import { and, asc, eq, isNull, sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.ts";
import { apiKeys, syncSchedules, users } from "../../db/schema/index.ts";
import { UserInputError } from "../errors.ts";
import { isTimeZone } from "../tax/dates.ts";

/**
 * Users and their API keys. A key is `lw_` + 43 base64url characters (32 random bytes); only its
 * SHA-256 is stored, so a key is shown once, when issued, and can never be read back.
 */

const KEY_PREFIX = "lw_";
/** User names: what `--user` and the API accept. */
const NAME = /^[A-Za-z0-9][\w.@-]{0,63}$/;

/** SHA-256 hex of a key: what `api_keys.key_hash` holds. */
export const hashKey = (key: string): string => createHash("sha256").update(key).digest("hex");

const newKey = (): string => `${KEY_PREFIX}${randomBytes(32).toString("base64url")}`;

/** True when `key` has the shape of a lotwise key (checked before any database lookup). */
export const looksLikeKey = (key: string): boolean => /^lw_[A-Za-z0-9_-]{43}$/.test(key);

export type IssuedKey = { userId: number; keyId: number; key: string };

/**
 * Creates user `name` with a first API key. `timeZone` (IANA) is the zone of the user's nightly
 * sync schedule (03:00 there). @throws UserInputError when the name is taken or invalid.
 */
export const createUser = async (
  db: DbOrTx,
  args: { name: string; timeZone?: string | undefined; label?: string | undefined },
): Promise<IssuedKey> => {
  if (!NAME.test(args.name))
    throw new UserInputError(
      `user name '${args.name}' must start with a letter or digit and use letters, digits, '.', '_', '@', '-' (at most 64)`,
    );
  if (args.timeZone !== undefined && !isTimeZone(args.timeZone))
    throw new UserInputError(
      `unknown time zone '${args.timeZone}' (use an IANA name such as America/New_York)`,
    );
  const [created] = await db.insert(users).values({ name: args.name }).onConflictDoNothing().returning();
  if (!created)
    throw new UserInputError(
      `user '${args.name}' already exists: issue another key with lotwise users key ${args.name}`,
    );
  if (args.timeZone !== undefined)
    await db
      .insert(syncSchedules)
      .values({ userId: created.id, timeZone: args.timeZone })
      .onConflictDoNothing();
  const key = newKey();
  const [row] = await db
    .insert(apiKeys)
    .values({ userId: created.id, keyHash: hashKey(key), label: args.label ?? "" })
    .returning({ id: apiKeys.id });
  return { userId: created.id, keyId: row!.id, key };
};

/** Issues another key for an existing user (e.g. the CLI's `default` user). @throws UserInputError */
export const issueKey = async (db: DbOrTx, name: string, label = ""): Promise<IssuedKey> => {
  const [user] = await db.select({ id: users.id }).from(users).where(eq(users.name, name));
  if (!user) throw new UserInputError(`no user '${name}' (create one with lotwise users create ${name})`);
  const key = newKey();
  const [row] = await db
    .insert(apiKeys)
    .values({ userId: user.id, keyHash: hashKey(key), label })
    .returning({ id: apiKeys.id });
  return { userId: user.id, keyId: row!.id, key };
};

export type UserSummary = {
  id: number;
  name: string;
  createdAt: Date;
  /** Keys not revoked. */
  activeKeys: number;
  lastUsedAt: Date | undefined;
};

export const listUsers = async (db: DbOrTx): Promise<UserSummary[]> => {
  const rows = await db
    .select({
      id: users.id,
      name: users.name,
      createdAt: users.createdAt,
      activeKeys: sql<number>`count(${apiKeys.id}) filter (where ${apiKeys.revokedAt} is null)::int`,
      lastUsedAt: sql<string | null>`max(${apiKeys.lastUsedAt})`,
    })
    .from(users)
    .leftJoin(apiKeys, eq(apiKeys.userId, users.id))
    .groupBy(users.id)
    .orderBy(asc(users.name));
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    createdAt: r.createdAt,
    activeKeys: Number(r.activeKeys),
    lastUsedAt: r.lastUsedAt ? new Date(r.lastUsedAt) : undefined,
  }));
};

/**
 * Revokes every active key of user `name` (the user and their data stay). Returns how many keys
 * were revoked. @throws UserInputError for an unknown user.
 */
export const revokeKeys = async (db: DbOrTx, name: string): Promise<number> => {
  const [user] = await db.select({ id: users.id }).from(users).where(eq(users.name, name));
  if (!user) throw new UserInputError(`no user '${name}' (see lotwise users list)`);
  const rows = await db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.userId, user.id), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  return rows.length;
};

/** The user a key belongs to, or undefined for an unknown or revoked key. Records the key's last use. */
export const authenticateKey = async (
  db: DbOrTx,
  key: string,
): Promise<{ userId: number; keyId: number } | undefined> => {
  if (!looksLikeKey(key)) return undefined;
  const [row] = await db
    .select({ id: apiKeys.id, userId: apiKeys.userId })
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, hashKey(key)), isNull(apiKeys.revokedAt)));
  if (!row) return undefined;
  await db.update(apiKeys).set({ lastUsedAt: new Date() }).where(eq(apiKeys.id, row.id));
  return { userId: row.userId, keyId: row.id };
};
