import { pendingCommand } from "./pending.ts";
import type { RegisterCommand } from "./types.ts";

export const register: RegisterCommand = (program) => {
  pendingCommand(program, "gains", "compute capital gains, Form 8949 and Schedule D from a ledger");
};
