import { eq } from "drizzle-orm";
import { z } from "zod";
import { users } from "../../../db/schema/index.ts";
import { errors, iso } from "../schemas.ts";
import type { RegisterRoutes } from "../types.ts";

export const registerMe: RegisterRoutes = (app, ctx) => {
  app.get(
    "/me",
    {
      schema: {
        tags: ["account"],
        summary: "The user your API key belongs to",
        response: {
          200: z.object({ id: z.number().int(), name: z.string(), createdAt: z.string() }),
          ...errors,
        },
      },
    },
    async (request) => {
      const [u] = await ctx.database.db.select().from(users).where(eq(users.id, request.userId));
      return { id: u!.id, name: u!.name, createdAt: iso(u!.createdAt)! };
    },
  );
};
