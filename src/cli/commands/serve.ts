import { UserInputError } from "../../errors.ts";
import { stopBeforeReady } from "./stop-before-ready.ts";
import type { RegisterCommand } from "./types.ts";

// Heavy modules (Fastify, BullMQ) load when the command runs, not when the CLI starts.
const load = () => import("../../api/start.ts");

const port = (v: string): number => {
  if (!/^\d{1,5}$/.test(v) || Number(v) > 65535)
    throw new UserInputError(`--port expects 0–65535, got '${v}'`);
  return Number(v);
};

export const register: RegisterCommand = (program, runtime) => {
  program
    .command("serve")
    .description(
      "run the HTTP API (OpenAPI at /openapi.json, reference at /docs); embedded mode also runs jobs and nightly syncs here",
    )
    .option("--host <host>", "address to listen on (default: 127.0.0.1; 0.0.0.0 for every interface)")
    .option("--port <port>", "port (default: 8080; 0 picks a free one)", port)
    .option(
      "--ui-dir <dir>",
      "serve this folder's static files at / (default: the built dashboard, dist-ui/)",
    )
    .option("--no-ui", "do not serve the dashboard: / answers a JSON index of the API")
    .action(async (opts: { host?: string; port?: number; uiDir?: string; ui: boolean }, command) => {
      const { startService } = await load();
      const { builtDashboardDir } = await import("../../api/ui-dir.ts");
      const uiDir = opts.ui ? (opts.uiDir ?? builtDashboardDir()) : undefined;
      const settings = {
        server: {
          ...(opts.host !== undefined ? { host: opts.host } : {}),
          ...(opts.port !== undefined ? { port: opts.port } : {}),
        },
      };
      await runtime.load(command, settings);
      const common = runtime.createCommon(command, settings);
      const { config, logger } = common;
      const stopped = new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          logger.info("shutting down", { signal });
          resolve();
        };
        process.once("SIGINT", () => stop("SIGINT"));
        process.once("SIGTERM", () => stop("SIGTERM"));
      });
      logger.info("starting", { redis: config.redisUrl ? "yes" : "no" });
      // A signal during start-up (Redis or PostgreSQL not answering yet) stops the process too:
      // before, the start-up kept waiting and SIGTERM/SIGINT were ignored for good.
      const started = await Promise.race([
        startService(common, { host: config.server.host, port: config.server.port, staticRoot: uiDir }),
        stopped.then(() => undefined),
      ]);
      if (!started) {
        stopBeforeReady(logger);
        return;
      }
      const { url } = started;
      runtime.out(`lotwise API on ${url} (reference: ${url}/docs)\n`);
      if (uiDir) runtime.out(`dashboard on ${url}/\n`);
      await stopped;
    });
};
