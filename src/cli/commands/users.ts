import type { RegisterCommand } from "./types.ts";

const deps = async () => {
  const [keys, services, schedules] = await Promise.all([
    import("../../users/keys.ts"),
    import("../../services.ts"),
    import("../../schedule/schedules.ts"),
  ]);
  return { ...keys, ...services, ...schedules };
};

/**
 * `lotwise users create|key|list|revoke`: API users and their keys. A key is printed once, when it
 * is issued; only its SHA-256 is stored.
 */
export const register: RegisterCommand = (program, runtime) => {
  const users = program.command("users").description("API users and their keys (for lotwise serve)");

  users
    .command("create")
    .description("create a user and print their API key (shown once)")
    .argument("<name>", "user name")
    .option("--tz <zone>", "IANA time zone of the user's nightly sync (03:00 there; default UTC)")
    .action(async (name: string, opts: { tz?: string }, command) => {
      const { createUser, openServices } = await deps();
      const common = runtime.createCommon(command);
      const { database } = await openServices(common);
      const issued = await createUser(database.db, { name, timeZone: opts.tz });
      runtime.out(
        `created user ${name} (id ${issued.userId})\nAPI key (shown once, store it now): ${issued.key}\n` +
          `use it as: Authorization: Bearer ${issued.key}\n`,
      );
    });

  users
    .command("key")
    .description("issue another API key for an existing user (shown once)")
    .argument("<name>", "user name")
    .option("--label <label>", "a note on what the key is for")
    .action(async (name: string, opts: { label?: string }, command) => {
      const { issueKey, openServices } = await deps();
      const common = runtime.createCommon(command);
      const { database } = await openServices(common);
      const issued = await issueKey(database.db, name, opts.label ?? "");
      runtime.out(`API key for ${name} (shown once, store it now): ${issued.key}\n`);
    });

  users
    .command("list")
    .description("list users with their number of active keys")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }, command) => {
      const { listUsers, openServices } = await deps();
      const common = runtime.createCommon(command);
      const { database } = await openServices(common);
      const rows = await listUsers(database.db);
      if (opts.json) {
        runtime.out(
          `${JSON.stringify(
            rows.map((r) => ({
              id: r.id,
              name: r.name,
              created_at: r.createdAt.toISOString(),
              active_keys: r.activeKeys,
              last_used_at: r.lastUsedAt?.toISOString() ?? null,
            })),
            null,
            2,
          )}\n`,
        );
        return;
      }
      for (const r of rows)
        runtime.out(
          `${r.name}\t${r.activeKeys} active key(s)\tlast used ${r.lastUsedAt?.toISOString() ?? "never"}\n`,
        );
    });

  users
    .command("revoke")
    .description(
      "revoke every API key of a user (their data stays; the API stops accepting the keys within 10 s)",
    )
    .argument("<name>", "user name")
    .action(async (name: string, _opts, command) => {
      const { revokeKeys, openServices } = await deps();
      const common = runtime.createCommon(command);
      const { database } = await openServices(common);
      const n = await revokeKeys(database.db, name);
      runtime.out(`revoked ${n} key(s) of ${name}\n`);
    });
};
