import { type Anvil, type StartAnvilArgs, startAnvil } from "../src/devchain/anvil.ts";
import { playScenario, type ScenarioResult } from "../src/devchain/scenario.ts";

/** Test access to the two-wallet scenario (runtime code lives in src/devchain). */
export * from "../src/devchain/scenario.ts";

/** Starts a fresh anvil and plays the scenario on it. Call `anvil.stop()` in `afterAll`. */
export const startScenarioChain = async (
  args: StartAnvilArgs = {},
): Promise<{ anvil: Anvil; scenario: ScenarioResult }> => {
  const anvil = await startAnvil(args);
  try {
    return { anvil, scenario: await playScenario({ rpcUrl: anvil.url }) };
  } catch (error) {
    await anvil.stop();
    throw error;
  }
};
