import type { Database } from "../db/client.ts";
import type { Common } from "../src/common.ts";
import type { JobProgress } from "../workers/types.ts";
import type { EndpointGate } from "./endpoint-gate.ts";

export type ChainFamily = "evm" | "solana";

/** Static facts about one chain. */
export type ChainInfo = {
  /** lotwise's chain id string: `ethereum`, `base`, `arbitrum`, `optimism`, `polygon`, `evm:<id>`, `solana`. */
  id: string;
  family: ChainFamily;
  name: string;
  /** EIP-155 chain id (EVM only). */
  chainId?: number;
  nativeSymbol: string;
  /** Decimals of the native asset (18 for ETH-like, 9 for SOL). */
  nativeDecimals: number;
  /**
   * Blocks (EVM) or slots (Solana) below the head after which data is final and never rechecked.
   * @defaultValue 30 for unknown EVM chains (ponder's default)
   */
  finalityDepth: number;
  /** OP-stack chains charge an L1 data fee that the receipt reports (`l1Fee`). */
  opStack?: boolean;
  /** A test network: its native coin and tokens are never priced. */
  testnet?: boolean;
  /** A local development chain (anvil, hardhat: chain ids 31337 and 1337). */
  local?: boolean;
  /** The chain's own block explorer (from viem's chain definitions). */
  explorer?: { name: string; url: string; apiUrl?: string | undefined } | undefined;
  /**
   * Multicall3 (`aggregate3`, `getEthBalance`) on this chain, from viem's chain definitions;
   * `blockCreated` is the first block where it exists (calls at older blocks cannot use it).
   */
  multicall3?: { address: string; blockCreated?: number | undefined } | undefined;
  /** viem's export name for the chain (`mainnet`, `bsc`, …), for display. */
  viemName?: string | undefined;
};

/** A wallet row as the sync code needs it. */
export type WalletRef = {
  id: number;
  userId: number;
  chain: string;
  address: string;
  label: string;
  kind: string;
};

export type SyncWalletArgs = {
  common: Common;
  database: Database;
  wallet: WalletRef;
  chain: ChainInfo;
  /** RPC URL for this chain (secret: never log it). */
  rpcUrl: string;
  signal: AbortSignal;
  reportProgress: (progress: JobProgress) => void;
  /** EVM: first block to scan on the wallet's first sync (`--from-block`); searched when absent. */
  fromBlock?: bigint | undefined;
  /** The endpoint's shared quota (chains/endpoint-gate.ts). @defaultValue none */
  endpointGate?: EndpointGate | undefined;
};

/** What one wallet sync did; JSON-safe (it is a job result). */
export type SyncWalletResult = {
  wallet: string;
  transactions: number;
  movements: number;
  /** RPC requests sent over the network. */
  rpcCalls: number;
  /** RPC requests answered from the database cache. */
  cacheHits: number;
  /** Highest block / slot now final in the store. */
  syncedTo?: string | undefined;
  /** Where the wallet's history scan starts and why (EVM: first-activity search or --from-block). */
  historyStart?: { block: string; method: string; reason: string } | undefined;
  /** Solana: stake accounts the wallet controls and the rewards this sync stored (through `throughEpoch`). */
  staking?: { accounts: number; rewards: number; throughEpoch?: number | undefined } | undefined;
};

/** Each chain family folder exports one of these from its `index.ts`. */
export type ChainSyncer = {
  family: ChainFamily;
  syncWallet: (args: SyncWalletArgs) => Promise<SyncWalletResult>;
};
