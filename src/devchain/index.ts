/**
 * A local EVM dev chain for tests, benchmarks and `lotwise demo`: anvil from npm, contracts
 * compiled with solc from npm, and the two-wallet scenario. Runtime code: production
 * dependencies only, no vitest.
 */
export { type Anvil, anvilBinary, type StartAnvilArgs, startAnvil } from "./anvil.ts";
export { CONTRACTS_DIR, type CompiledContract, compileContracts } from "./compile.ts";
export {
  type Artifacts,
  createDevClient,
  type DevClient,
  loadArtifacts,
  type Receipt,
  type TxRequest,
} from "./contracts.ts";
export {
  type PlayScenarioArgs,
  playScenario,
  type ScenarioAccounts,
  type ScenarioAmounts,
  type ScenarioContracts,
  type ScenarioResult,
  type ScenarioTxs,
} from "./scenario.ts";
