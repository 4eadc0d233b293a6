import { pendingCommand } from "./pending.ts";
import type { RegisterCommand } from "./types.ts";

export const register: RegisterCommand = (program) => {
  pendingCommand(program, "reconcile", "reconcile a broker Form 1099-DA against on-chain activity");
};
