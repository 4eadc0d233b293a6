import type { FastifyReply, FastifyRequest } from "fastify";
import type { Db } from "../../db/client.ts";
import { authenticateKey } from "../users/keys.ts";
import { ApiError } from "./errors.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** The caller, set by the API key check; every query is scoped to it. */
    userId: number;
  }
}

/** How long a verified key is trusted without asking the database again (a revocation takes at most this long). */
export const KEY_CACHE_MS = 10_000;

/**
 * `Authorization: Bearer <key>` → the caller's user id. Keys are checked against their SHA-256 in
 * `api_keys`; answers are cached for `KEY_CACHE_MS` (hits and misses) so a busy client costs no
 * query per request.
 */
export const createKeyAuth = (db: Db) => {
  const cache = new Map<string, { userId: number | undefined; until: number }>();
  const lookup = async (key: string): Promise<number | undefined> => {
    const now = Date.now();
    const hit = cache.get(key);
    if (hit && hit.until > now) return hit.userId;
    const found = await authenticateKey(db, key);
    if (cache.size > 10_000) cache.clear();
    cache.set(key, { userId: found?.userId, until: now + KEY_CACHE_MS });
    return found?.userId;
  };
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const header = request.headers.authorization ?? "";
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m)
      throw new ApiError(
        401,
        "unauthorized",
        "send an API key: Authorization: Bearer <key> (lotwise users create NAME)",
      );
    const userId = await lookup(m[1]!);
    if (userId === undefined) throw new ApiError(401, "unauthorized", "unknown or revoked API key");
    request.userId = userId;
  };
};

/**
 * The operator's admin key (`server.adminKey`): as a Bearer token, or as the password of HTTP
 * Basic auth (any user name) so a browser can open `/admin/queues`.
 */
export const checkAdminKey = (adminKey: string | undefined, header: string | undefined): boolean => {
  if (!adminKey || !header) return false;
  const bearer = /^Bearer\s+(\S+)$/i.exec(header);
  if (bearer) return timingSafeEqualText(bearer[1]!, adminKey);
  const basic = /^Basic\s+(\S+)$/i.exec(header);
  if (basic) {
    const decoded = Buffer.from(basic[1]!, "base64").toString("utf8");
    const i = decoded.indexOf(":");
    return i >= 0 && timingSafeEqualText(decoded.slice(i + 1), adminKey);
  }
  return false;
};

const timingSafeEqualText = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
};
