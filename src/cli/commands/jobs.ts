import { UserInputError } from "../../errors.ts";
import type { RegisterCommand } from "./types.ts";

/** States a job can be cancelled in (not started yet, or finished with an error). */
const CANCELLABLE = ["waiting", "delayed", "prioritized", "waiting-children", "failed"];

/**
 * `lotwise jobs list|cancel` (service mode): what sits in the BullMQ queues (for example jobs of
 * a `lotwise sync` that was interrupted, which would otherwise run when a worker starts), and
 * removing them. Jobs are idempotent, so replaying one is harmless; cancelling is for clarity.
 */
export const register: RegisterCommand = (program, runtime) => {
  const jobs = program
    .command("jobs")
    .description("queued, running and failed jobs (service mode, REDIS_URL)");

  const open = async (command: Parameters<typeof runtime.createCommon>[0]) => {
    const common = runtime.createCommon(command);
    const url = common.config.redisUrl;
    if (!url)
      throw new UserInputError(
        "no REDIS_URL: without it jobs run inside each command and nothing is ever queued",
      );
    const [{ Queue }, { Redis }, { JOB_DEFINITIONS }, { DEFAULT_PREFIX }] = await Promise.all([
      import("bullmq"),
      import("ioredis"),
      import("../../../workers/registry.ts"),
      import("../../../workers/bullmq.ts"),
    ]);
    const connection = new Redis(url, { maxRetriesPerRequest: 3 });
    connection.on("error", () => {});
    const queues = JOB_DEFINITIONS.map(
      (d) => new Queue(d.name, { connection, prefix: common.config.queuePrefix ?? DEFAULT_PREFIX }),
    );
    common.shutdown.add("jobs queues", async () => {
      await Promise.all(queues.map((q) => q.close()));
      await connection.quit().catch(() => connection.disconnect());
    });
    return queues;
  };

  jobs
    .command("list")
    .description("jobs waiting, delayed, running and failed, per queue (--all adds completed ones)")
    .option("--all", "include completed jobs")
    .option("--json", "print JSON")
    .action(async (opts: { all?: boolean; json?: boolean }, command) => {
      const queues = await open(command);
      const states = [
        "active",
        "waiting",
        "delayed",
        "prioritized",
        "waiting-children",
        "failed",
        ...(opts.all ? ["completed"] : []),
      ];
      const out: {
        id: string;
        queue: string;
        state: string;
        data: unknown;
        attempts: number;
        error: string | null;
        created: string;
      }[] = [];
      for (const q of queues) {
        for (const state of states) {
          const list = await q.getJobs([state as "active"], 0, 199, true);
          for (const j of list) {
            if (!j) continue;
            out.push({
              id: `${q.name}/${j.id}`,
              queue: q.name,
              state,
              data: j.data,
              attempts: j.attemptsMade,
              error: j.failedReason || null,
              created: new Date(j.timestamp).toISOString(),
            });
          }
        }
      }
      if (opts.json) {
        runtime.out(`${JSON.stringify(out, null, 2)}\n`);
        return;
      }
      if (out.length === 0) {
        runtime.out("no jobs\n");
        return;
      }
      for (const j of out)
        runtime.out(
          `${j.id}\t${j.state}\t${JSON.stringify(j.data)}\t${j.created}${j.error ? `\t${j.error.split("\n")[0]}` : ""}\n`,
        );
      runtime.out(`\n${out.length} job(s). Remove one with: lotwise jobs cancel <queue>/<id> (or --all)\n`);
    });

  jobs
    .command("cancel")
    .description("remove jobs that have not started (or failed): <queue>/<id>…, or --all")
    .argument("[jobs...]", "job ids as lotwise jobs list prints them")
    .option("--all", "every waiting, delayed and failed job")
    .action(async (ids: string[], opts: { all?: boolean }, command) => {
      if (!opts.all && ids.length === 0)
        throw new UserInputError("name jobs to cancel (<queue>/<id>) or pass --all");
      const queues = await open(command);
      let removed = 0;
      const problems: string[] = [];
      const cancel = async (q: (typeof queues)[number], id: string) => {
        const job = await q.getJob(id);
        if (!job) return problems.push(`${q.name}/${id}: no such job`);
        const state = await job.getState();
        if (!CANCELLABLE.includes(state))
          return problems.push(
            `${q.name}/${id}: ${state} (a running job finishes on its worker; stop the worker to interrupt it)`,
          );
        await job.remove({ removeChildren: true });
        removed++;
      };
      if (opts.all) {
        for (const q of queues)
          for (const j of await q.getJobs(CANCELLABLE as ["waiting"], 0, -1, true))
            if (j?.id) await cancel(q, j.id);
      }
      for (const ref of ids) {
        const i = ref.indexOf("/");
        const q = queues.find((x) => x.name === ref.slice(0, i));
        if (i <= 0 || !q) {
          problems.push(
            `${ref}: not <queue>/<id> with a known queue (${queues.map((x) => x.name).join(", ")})`,
          );
          continue;
        }
        await cancel(q, ref.slice(i + 1));
      }
      runtime.out(`cancelled ${removed} job(s)\n`);
      if (problems.length > 0) throw new UserInputError(problems.join("\n"));
    });
};
