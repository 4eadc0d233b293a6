import { pendingCommand } from "./pending.ts";
import type { RegisterCommand } from "./types.ts";

export const register: RegisterCommand = (program) => {
  pendingCommand(program, "wallets", "add, list and remove wallets");
};
