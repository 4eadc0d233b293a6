import { register as chains } from "./chains.ts";
import { register as check } from "./check.ts";
import { register as demo } from "./demo.ts";
import { register as forms } from "./forms.ts";
import { register as gains } from "./gains.ts";
import { register as harvest } from "./harvest.ts";
import { register as importCmd } from "./import.ts";
import { register as jobs } from "./jobs.ts";
import { register as ledger } from "./ledger.ts";
import { register as prices } from "./prices.ts";
import { register as reconcile } from "./reconcile.ts";
import { register as report } from "./report.ts";
import { register as review } from "./review.ts";
import { register as schedule } from "./schedule.ts";
import { register as serve } from "./serve.ts";
import { register as sync } from "./sync.ts";
import type { RegisterCommand } from "./types.ts";
import { register as users } from "./users.ts";
import { register as wallets } from "./wallets.ts";
import { register as worker } from "./worker.ts";

/** Every subcommand, in the order `--help` lists them. */
export const COMMANDS: readonly RegisterCommand[] = [
  wallets,
  sync,
  check,
  chains,
  prices,
  review,
  importCmd,
  ledger,
  gains,
  forms,
  report,
  reconcile,
  harvest,
  serve,
  worker,
  users,
  schedule,
  jobs,
  demo,
];
