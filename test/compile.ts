/** Test access to the solc compile step (runtime code lives in src/devchain). */
export { CONTRACTS_DIR, type CompiledContract, compileContracts } from "../src/devchain/compile.ts";
export { type Artifacts, loadArtifacts } from "../src/devchain/contracts.ts";
