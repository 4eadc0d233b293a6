import type { OverrideAction } from "../../classify/overrides.ts";
import { matchingWindowHours } from "../../classify/settings.ts";
import { UserInputError } from "../../errors.ts";
import type { RegisterCommand } from "./types.ts";

// Heavy modules load when a command runs, not when the CLI starts (keeps `--help` and `gains` fast).
let and: typeof import("drizzle-orm").and;
let asc: typeof import("drizzle-orm").asc;
let eq: typeof import("drizzle-orm").eq;
let overrides: typeof import("../../../db/schema/index.ts").overrides;
let reviewItems: typeof import("../../../db/schema/index.ts").reviewItems;
let openServices: typeof import("../../services.ts").openServices;
let rebuildAndReport: typeof import("../rebuild.ts").rebuildAndReport;
let decisions: typeof import("../../books/decisions.ts");
/** What `review list` needs: the database only. */
const loadForList = async () => {
  ({ and, asc, eq } = await import("drizzle-orm"));
  ({ overrides, reviewItems } = await import("../../../db/schema/index.ts"));
  ({ openServices } = await import("../../services.ts"));
};
/** What the commands that decide need: also the decisions and the ledger rebuild. */
const load = async () => {
  await loadForList();
  decisions = await import("../../books/decisions.ts");
  ({ rebuildAndReport } = await import("../rebuild.ts"));
};

const ACTIONS = ["spend", "sell", "gift", "income", "transfer", "ignore", "spam"] as const;

const parseAction = (opts: { as?: string; to?: string; subtype?: string; note?: string }): OverrideAction => {
  if (!opts.as || !(ACTIONS as readonly string[]).includes(opts.as)) {
    throw new UserInputError(`--as must be one of ${ACTIONS.join(", ")}`);
  }
  if (opts.as === "transfer" && !opts.to)
    throw new UserInputError("--as transfer needs --to <account>, e.g. --to coinbase:main");
  return {
    as: opts.as as OverrideAction["as"],
    ...(opts.to ? { to: opts.to } : {}),
    ...(opts.subtype ? { subtype: opts.subtype } : {}),
    ...(opts.note ? { note: opts.note } : {}),
  };
};

export const register: RegisterCommand = (program, runtime) => {
  const review = program
    .command("review")
    .description("list uncertain classifications and decide them (decisions survive re-syncs)");

  review
    .command("list")
    .description("open review items: unmatched transfers, missing prices, guesses, spam")
    .option("--all", "include resolved items")
    .option("--json", "print JSON")
    .action(async (opts: { all?: boolean; json?: boolean }, command) => {
      await loadForList();
      const common = runtime.createCommon(command);
      const { database, userId } = await openServices(common);
      const rows = await database.db
        .select()
        .from(reviewItems)
        .where(
          opts.all
            ? eq(reviewItems.userId, userId)
            : and(eq(reviewItems.userId, userId), eq(reviewItems.status, "open")),
        )
        .orderBy(asc(reviewItems.createdAt), asc(reviewItems.chain), asc(reviewItems.txHash));
      // A decided transaction leaves the review queue (the rebuild no longer raises it): with
      // --all, the user's decisions are the resolved items.
      const resolved = opts.all
        ? (
            await database.db
              .select()
              .from(overrides)
              .where(eq(overrides.userId, userId))
              .orderBy(asc(overrides.id))
          ).map((o) => {
            const a = o.action as OverrideAction & { link?: string };
            const what = [
              `decided: ${a.as ?? JSON.stringify(a)}`,
              a.to ? `to ${a.to}` : "",
              a.subtype ? `subtype ${a.subtype}` : "",
              o.note ? `note "${o.note}"` : "",
            ]
              .filter((x) => x !== "")
              .join(", ");
            return {
              chain: o.chain ?? "",
              tx: o.txHash ?? "",
              reason: o.txHash ? "decision" : "rule",
              message: o.txHash ? what : `rule #${o.id} ${JSON.stringify(o.rule)}: ${what}`,
              status: "resolved",
            };
          })
        : [];
      const items = [
        ...rows.map((r) => ({
          chain: r.chain,
          tx: r.txHash,
          reason: r.reason,
          message: r.message,
          status: r.status,
        })),
        ...resolved,
      ];
      if (opts.json) {
        runtime.out(`${JSON.stringify(items, null, 2)}\n`);
        return;
      }
      if (items.length === 0) {
        runtime.out(opts.all ? "nothing to review and no decisions yet\n" : "nothing to review\n");
        return;
      }
      for (const r of items) {
        const ref = r.tx ? `${r.chain}:${r.tx}` : "(rule)";
        runtime.out(
          `${ref}  [${r.reason}]${r.status === "resolved" ? " resolved" : ""}\n  ${r.message.split("\n").join("\n  ")}\n`,
        );
      }
      if (rows.length === 0) {
        runtime.out(`\nnothing open; ${resolved.length} resolved\n`);
        return;
      }
      runtime.out(
        `\n${rows.length} open item(s)${resolved.length ? `, ${resolved.length} resolved` : ""}. Decide one with: lotwise review set <chain:tx> --as spend|sell|gift|income|transfer|ignore|spam, ` +
          "or pair two with: lotwise review link <departure> <arrival>\n",
      );
    });

  review
    .command("set")
    .description("decide one transaction: lotwise review set <chain:tx> --as <action> [--to <account>]")
    .argument("<tx>", "the transaction, as <chain>:<hash> (or just the hash)")
    .requiredOption("--as <action>", ACTIONS.join("|"))
    .option("--to <account>", "for --as transfer: the account it went to / came from (e.g. coinbase:main)")
    .option("--subtype <label>", "subtype for the ledger rows (e.g. airdrop, staking, payment)")
    .option("--note <text>", "a note kept on the ledger rows")
    .action(
      async (ref: string, opts: { as?: string; to?: string; subtype?: string; note?: string }, command) => {
        await load();
        const action = parseAction(opts);
        const common = runtime.createCommon(command);
        const services = await openServices(common);
        const { chain, txHash } = await decisions.setTxDecision({
          db: services.database.db,
          userId: services.userId,
          windowHours: matchingWindowHours(common.config.classify),
          ref,
          action,
          note: opts.note,
        });
        runtime.out(`${chain}:${txHash} set to ${action.as}${action.to ? ` (${action.to})` : ""}\n`);
        await rebuildAndReport(services, runtime.out);
      },
    );

  review
    .command("rule")
    .description("decide every matching unmatched movement, now and in future syncs")
    .option("--counterparty <address>", "the other party's address")
    .option("--asset <asset>", "canonical asset (e.g. USDC) or chain asset id")
    .option("--chain <chain>", "only on this chain")
    .option("--direction <in|out>", "only inflows or outflows")
    .requiredOption("--as <action>", ACTIONS.join("|"))
    .option("--to <account>", "for --as transfer")
    .option("--subtype <label>", "subtype for the ledger rows")
    .option("--note <text>", "a note kept on the ledger rows")
    .action(
      async (
        opts: {
          counterparty?: string;
          asset?: string;
          chain?: string;
          direction?: string;
          as?: string;
          to?: string;
          subtype?: string;
          note?: string;
        },
        command,
      ) => {
        await load();
        const action = parseAction(opts);
        if (opts.direction && opts.direction !== "in" && opts.direction !== "out")
          throw new UserInputError("--direction must be in or out");
        const match = {
          ...(opts.counterparty ? { counterparty: opts.counterparty } : {}),
          ...(opts.asset ? { asset: opts.asset } : {}),
          ...(opts.chain ? { chain: opts.chain } : {}),
          ...(opts.direction ? { direction: opts.direction as "in" | "out" } : {}),
        };
        if (Object.keys(match).length === 0)
          throw new UserInputError(
            "a rule needs at least one of --counterparty, --asset, --chain, --direction",
          );
        const common = runtime.createCommon(command);
        const services = await openServices(common);
        const row = await decisions.addRule({
          db: services.database.db,
          userId: services.userId,
          match,
          action,
          note: opts.note,
        });
        runtime.out(`rule ${row.id} added\n`);
        await rebuildAndReport(services, runtime.out);
      },
    );

  for (const unlink of [false, true]) {
    review
      .command(unlink ? "unlink" : "link")
      .description(
        unlink
          ? "never pair these two (undo a pairing made on amount and time): lotwise review unlink A B"
          : "pair the outflow of one transaction with the inflow of another (a transfer between your accounts): lotwise review link A B",
      )
      .argument("<a>", "a transaction as <chain>:<hash>, or an import row id")
      .argument("<b>", "the other transaction (or import row id)")
      .action(async (a: string, b: string, _opts, command) => {
        await load();
        const common = runtime.createCommon(command);
        const services = await openServices(common);
        const r = await decisions.setLink({
          db: services.database.db,
          userId: services.userId,
          windowHours: matchingWindowHours(common.config.classify),
          a,
          b,
          unlink,
        });
        runtime.out(`${unlink ? "unlinked" : "linked"} ${r.a} and ${r.b} (decision ${r.id})\n`);
        await rebuildAndReport(services, runtime.out);
      });
  }

  review
    .command("rules")
    .description("list decisions (per transaction and rules)")
    .action(async (_opts, command) => {
      await load();
      const common = runtime.createCommon(command);
      const { database, userId } = await openServices(common);
      const rows = await database.db
        .select()
        .from(overrides)
        .where(eq(overrides.userId, userId))
        .orderBy(asc(overrides.id));
      if (rows.length === 0) runtime.out("no decisions yet\n");
      for (const r of rows) {
        const pair = r.rule as { link?: string[]; unlink?: string[] } | null;
        const what = r.txHash
          ? `${r.chain}:${r.txHash}`
          : pair?.link
            ? `link ${pair.link.join(" ")}`
            : pair?.unlink
              ? `unlink ${pair.unlink.join(" ")}`
              : `rule ${JSON.stringify(r.rule)}`;
        runtime.out(`${r.id}  ${what}  → ${JSON.stringify(r.action)}\n`);
      }
    });

  review
    .command("unset")
    .description("remove a decision by id (see lotwise review rules)")
    .argument("<id>", "decision id")
    .action(async (id: string, _opts, command) => {
      await load();
      if (!/^\d+$/.test(id)) throw new UserInputError(`decision id must be a number, got '${id}'`);
      const common = runtime.createCommon(command);
      const services = await openServices(common);
      await decisions.removeDecision({
        db: services.database.db,
        userId: services.userId,
        windowHours: matchingWindowHours(common.config.classify),
        id: Number(id),
      });
      runtime.out(`decision ${id} removed\n`);
      await rebuildAndReport(services, runtime.out);
    });
};
