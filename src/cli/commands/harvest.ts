import { pendingCommand } from "./pending.ts";
import type { RegisterCommand } from "./types.ts";

export const register: RegisterCommand = (program) => {
  pendingCommand(program, "harvest", "find tax-loss harvesting opportunities");
};
