import { pendingCommand } from "./pending.ts";
import type { RegisterCommand } from "./types.ts";

export const register: RegisterCommand = (program) => {
  pendingCommand(program, "demo", "run the end-to-end demo on a local chain");
};
