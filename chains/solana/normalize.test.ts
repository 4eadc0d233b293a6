import { describe, expect, test } from "vitest";
import {
  loadBlockTransactions,
  loadRecordedTransactions,
  recordedTransaction,
} from "../../test/solana-replay.ts";
import { type NormalizedSolanaTx, normalizeTransaction, SolanaNormalizeError } from "./normalize.ts";
import { accountKeysOf, type SolanaTransactionResponse } from "./tx-json.ts";

/**
 * Golden tests on recorded mainnet (and MetaMask devnet) transactions. Every expected amount is
 * written as the arithmetic on the raw numbers of the fixture's `preBalances`/`postBalances` and
 * token balance `amount`s (W = the wallet, acct = a token account W owns), so a reader can check
 * it against the JSON by hand. `sol` = net SOL movement, `fee` = fee movement, `spl` = mint → amount.
 */

type Summary = { sol: bigint; fee: bigint; spl: Record<string, bigint> };

const summary = (n: NormalizedSolanaTx): Summary => ({
  sol: n.movements.find((m) => m.evidence === "sol")?.amount ?? 0n,
  fee: n.movements.find((m) => m.evidence === "sol_fee")?.amount ?? 0n,
  spl: Object.fromEntries(n.movements.filter((m) => m.evidence === "spl").map((m) => [m.mint!, m.amount])),
});

const expectMovements = (tx: SolanaTransactionResponse, wallet: string, expected: Partial<Summary>) => {
  const n = normalizeTransaction(tx, wallet);
  expect(summary(n)).toEqual({ sol: 0n, fee: 0n, spl: {}, ...expected });
  // No zero-amount rows, at most one row per (evidence, index).
  expect(n.movements.every((m) => m.amount !== 0n)).toBe(true);
  expect(new Set(n.movements.map((m) => `${m.evidence}/${m.evidenceIndex}`)).size).toBe(n.movements.length);
  return n;
};

const USDC = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v";
const USDT = "Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB";
const JUP = "JUPyiwrYJFskUPiHa7hkeR8VUtAeFoSYbKedZNsDvCN";
const PYUSD = "2b1kV6DkPAnxd5ixfnxCpjxmKwqjjaYmCZfHsFu24GXo";
const BONK = "DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263";
const HELP = "HeLp6NuQkmYB4pYWo2zYs22mESHXPQYzXbB8n4V98jwC";

describe("normalizeTransaction() on Jupiter swaps (jsonParsed, v0)", () => {
  test("SOL → USDC: wallet pays SOL, receives USDC", () => {
    // W 1571588402 - 2071993402 = -500405000, + fee 5000 = -500400000
    // USDC acct HFhrg3… 153265326 - 76652740 = 76612586
    const n = expectMovements(
      recordedTransaction("2kai9Wa4"),
      "Ex2F9oJN9UjBnSy273ezWH2kwaAzKTkm4ZmpDuqwzevY",
      {
        sol: 1571588402n - 2071993402n + 5000n,
        fee: -5000n,
        spl: { [USDC]: 153265326n - 76652740n },
      },
    );
    expect(n.movements.find((m) => m.mint === USDC)?.decimals).toBe(6);
    expect(n.details.priorityFee).toBe("0");
  });

  test("memecoin → SOL with a 100,000-lamport priority fee", () => {
    // W 336530821 - 333520130 = 3010691, + fee 105000 = 3115691; acct GLKQQj… 0 - 5878070878
    const n = expectMovements(
      recordedTransaction("2m6e4MBQ"),
      "6oHypdkuE3n41w3XBidags663HQRiXBN8W4qjxyUz4YS",
      {
        sol: 336530821n - 333520130n + 105000n,
        fee: -105000n,
        spl: { vVe16q1aGVSnZtK8PCXFnsh45VW6HCVrJPKCBSbpump: 0n - 5878070878n },
      },
    );
    // 1 signature × 5000 base fee; the rest is priority fee.
    expect(n.details).toMatchObject({ fee: "105000", baseFee: "5000", priorityFee: "100000" });
  });

  test("token → token: SOL change is exactly the fee, so no SOL movement", () => {
    // W 172401832 - 172420753 = -18921 = -fee → net SOL 0
    // EPCz5… acct gTw3Ka… 16124854971 - 36124854971; USDT acct CMH7hW… 2994093354 - 0
    expectMovements(recordedTransaction("3LF4ABXf"), "J6SiqG6aWGWFxcXFd6c3xjrvbsX8PTYyYNY97dxceH4P", {
      fee: -18921n,
      spl: {
        EPCz5LK372vmvCkZH3HgSuGNKACJJwwxsofW6fypCPZL: 16124854971n - 36124854971n,
        [USDT]: 2994093354n - 0n,
      },
    });
  });

  test("SOL → USDC into a USDC account that held 0", () => {
    // W 6004221663 - 6064280699 + fee 59036 = -60000000; USDC acct EUb5LM… 8022110 - 0
    expectMovements(recordedTransaction("4riUkys7"), "AgHKxMdBmnvKVNBiqQHuLUVyHRGj7xsjVNGxnkUQbDHX", {
      sol: 6004221663n - 6064280699n + 59036n,
      fee: -59036n,
      spl: { [USDC]: 8022110n - 0n },
    });
  });

  test("fee payer whose BONK balance does not move: only SOL and the fee", () => {
    // W 119125102 - 119442911 + fee 254310 = -63499; BONK acct 64aLYk… 3100573427 → 3100573427
    expectMovements(recordedTransaction("5Rt3Hkbv"), "8yZySK1mwxaajGNhK74pF2VSJvfYvgD7kocnxXvvEYRz", {
      sol: 119125102n - 119442911n + 254310n,
      fee: -254310n,
    });
  });

  test("SOL → USDC", () => {
    // W 23034631 - 62642845 + fee 8214 = -39600000; USDC acct FCmjr2… 31347112 - 26046462
    expectMovements(recordedTransaction("5SPdWfQr"), "3qAnC3L6xDoTbaL74jLKzQNyhRJc2YJGL7Uu5fxiu9W6", {
      sol: 23034631n - 62642845n + 8214n,
      fee: -8214n,
      spl: { [USDC]: 31347112n - 26046462n },
    });
  });

  test("SOL → PYUSD (Token-2022 account, 2,192,400-lamport rent)", () => {
    // W 2895000 - 30309941 + fee 105000 = -27309941; PYUSD acct 282MxV… 4913523 - 1000000
    expectMovements(recordedTransaction("5pcpYhqJ"), "GH6Sn8jt4CbQgHxqpTm3MbpVSGR94uSEhChwm8vmphkP", {
      sol: 2895000n - 30309941n + 105000n,
      fee: -105000n,
      spl: { [PYUSD]: 4913523n - 1000000n },
    });
  });

  test("swap that creates a token account for the wallet: the rent stays the wallet's SOL", () => {
    // W 253359680 - 255411649 = -2051969, + fee 5189, + new acct 3DN7Qp… (0 → 2039280) = -7500
    // USDC acct FeYSsP… 83892822 - 83878785; J5tzd1… acct DkHrvH… 2539 - 1888
    // (wSOL acct 7PSFVL… and 8m9fjY… acct unchanged; 3C3pXi… created with amount 0)
    expectMovements(recordedTransaction("GCeRpjvf"), "46ECY5pTrN9Fbu5HdobxWBKxeAQXMo6uXTDwozrKadWZ", {
      sol: 253359680n - 255411649n + 5189n + (2039280n - 0n),
      fee: -5189n,
      spl: { [USDC]: 83892822n - 83878785n, J5tzd1ww1V1qrgDUQHVCGqpmpbnEnjzGs9LAqJxwkNde: 2539n - 1888n },
    });
  });

  test("keeper that receives wrapped SOL into its own wSOL account (counted as SOL, not as a token)", () => {
    // W 510752133 - 510799751 = -47618, + fee 5000, + wSOL acct E7dccQ… 2608508829 - 2608423593 = 85236
    // = 42618; its USDC and mSOL accounts do not move
    expectMovements(recordedTransaction("2BppD7Zq"), "4qLQDSpCwGJSig3tDvkfUbgW1TJWgeABpr5BtR3r3vZo", {
      sol: 510752133n - 510799751n + 5000n + (2608508829n - 2608423593n),
      fee: -5000n,
    });
  });

  test("swap paid by a relayer: the swapper has no fee movement; the relayer has only the fee", () => {
    const tx = recordedTransaction("5SnGKXqN");
    // Swapper FMFot66s… (not the fee payer): W 8538410 → 8538410; wSOL acct DYjuBU… 124026831 - 88326831
    // BONK acct Co26LH… 2385151879 - 23851486964; USDC acct FRjW2a… 9026801 - 9023345
    expectMovements(tx, "FMFot66s6R4bxoWAtYjf2Vd8cVQAc5ewiY2KMc5deoEh", {
      sol: 124026831n - 88326831n,
      spl: { [BONK]: 2385151879n - 23851486964n, [USDC]: 9026801n - 9023345n },
    });
    // Relayer 7eCimQ… (fee payer): 566922452 - 566927452 + fee 5000 = 0 → fee only
    expectMovements(tx, "7eCimQLMWipNjqr3DjvrfXRNuaFZXuSfRofqvwMvvpz2", { fee: -5000n });
  });

  test("a wallet in none of the transaction's accounts has no movements", () => {
    const n = normalizeTransaction(recordedTransaction("2kai9Wa4"), "11111111111111111111111111111112");
    expect(n.movements).toEqual([]);
    expect(n.walletIsFeePayer).toBe(false);
  });

  test("counterparties from parsed transfers: one other party, as a wallet", () => {
    const n = normalizeTransaction(
      recordedTransaction("4riUkys7"),
      "AgHKxMdBmnvKVNBiqQHuLUVyHRGj7xsjVNGxnkUQbDHX",
    );
    const sol = n.movements.find((m) => m.evidence === "sol")!;
    const usdc = n.movements.find((m) => m.mint === USDC)!;
    // Every parsed transfer's other side must be listed in the transaction.
    const keys = accountKeysOf(recordedTransaction("4riUkys7"));
    const owners = new Set(
      (recordedTransaction("4riUkys7").meta!.postTokenBalances ?? []).map((b) => b.owner ?? ""),
    );
    expect(keys.includes(sol.counterparty!) || owners.has(sol.counterparty!)).toBe(true);
    expect(usdc.counterparty).not.toBe("AgHKxMdBmnvKVNBiqQHuLUVyHRGj7xsjVNGxnkUQbDHX");
    expect(owners.has(usdc.counterparty!)).toBe(true);
    expect(n.movements.find((m) => m.evidence === "sol_fee")!.counterparty).toBeNull();
  });
});

describe("normalizeTransaction() on MetaMask fixtures (json encoding, lookup tables)", () => {
  const mm = (name: string) =>
    loadRecordedTransactions().find((r) => r.file.includes(`metamask-snap-solana-wallet/${name}`))!.tx;

  test("failed swap charges only the fee", () => {
    const tx = mm("failed-swap");
    expect(tx.meta!.err).not.toBeNull();
    // W 6531821 → 6011370 = -520451 = -fee; nothing else counts for a failed transaction
    const n = expectMovements(tx, "8A4AptCThfbuknsbteHgGKXczfJpfjuVA9SLTSGaaLGC", {
      fee: 6011370n - 6531821n,
    });
    expect(n.status).toBe("failed");
    expect(n.details.err).toEqual({ InstructionError: [6, { Custom: 1 }] });
  });

  test("SPL send that creates the recipient's token account: the sender's rent is a SOL outflow, not a fee", () => {
    const tx = mm("send-spl-token-and-create-token-account");
    // Sender EMmTju…: W 9877744 - 11957046 = -2079302, + fee 5222 = -2074080, which is exactly the
    // rent of the recipient's new Token-2022 account 5k4KRS… (0 → 2074080): SOL the sender gave away.
    // HeLp6N… acct BDAg5u… 0 - 10000000
    expectMovements(tx, "EMmTjuHsYCYX7vgPcQ2QVbNwYAwcvGoSMCEaHKc19DdE", {
      sol: 9877744n - 11957046n + 5222n,
      fee: -5222n,
      spl: { [HELP]: 0n - 10000000n },
    });
    // Recipient BYh4Cf… (deliberate): the rent now sits in its own token account, which it can
    // close to get it back, so it is the recipient's SOL: +2074080 (5k4KRS… 0 → 2074080), no fee.
    expectMovements(tx, "BYh4CfuGDvFMKaZp3RPmkw9y6qg3sWukA2TiGJDeLKZi", {
      sol: 2074080n - 0n,
      spl: { [HELP]: 10000000n - 0n },
    });
  });

  test("SOL → USDC that closes the wallet's wrapped-SOL account: no phantom income from the rent refund", () => {
    const tx = mm("swap-sol-to-usdc");
    // W 1533615663 - 1532591455 = +1024208 (the closed wSOL account's 2039280 rent came back), + fee
    // 15072, + wSOL acct Ffqao4… 0 - 2039280 (closed) = -1000000: what the swap really cost.
    // USDC acct F77xG4… 12660400 - 12493175 = 167225
    expectMovements(tx, "3xTPAZxmpwd8GrNEKApaTw6VH4jqJ31WFXUvQzgwhR7c", {
      sol: 1533615663n - 1532591455n + 15072n + (0n - 2039280n),
      fee: -15072n,
      spl: { [USDC]: 12660400n - 12493175n },
    });
  });

  test("ownedTokenAccounts: W's token accounts in key order, a closed one read from its pre balance", () => {
    // Pre balances: USDC acct (key 2) and wSOL acct (key 3, closed: no post balance) are W's; keys
    // 12 and 13 belong to another owner. Listed in reverse so the key order must come from sorting.
    const tx = structuredClone(mm("swap-sol-to-usdc"));
    tx.meta!.preTokenBalances!.reverse();
    delete tx.meta!.preTokenBalances!.find((b) => b.accountIndex === 3)!.programId;
    const keys = accountKeysOf(tx);
    const n = normalizeTransaction(tx, "3xTPAZxmpwd8GrNEKApaTw6VH4jqJ31WFXUvQzgwhR7c");
    expect(n.ownedTokenAccounts).toEqual([
      { address: keys[2], mint: USDC, programId: "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA" },
      { address: keys[3], mint: "So11111111111111111111111111111111111111112", programId: null },
    ]);
  });

  test("lookup-table keys (meta.loadedAddresses) are part of the key list in json encoding", () => {
    const tx = mm("swap-sol-to-usdc");
    const keys = accountKeysOf(tx);
    const la = tx.meta!.loadedAddresses!;
    expect(tx.transaction.message.accountKeys).toHaveLength(12);
    expect(keys).toEqual([
      ...(tx.transaction.message.accountKeys as string[]),
      ...la.writable,
      ...la.readonly,
    ]);
    expect(keys).toHaveLength(tx.meta!.preBalances.length);
    // The pool authority Fn68NZ… and both its token accounts exist only as lookup-table keys
    // (indexes 12, 13, 14): wSOL acct 86KSdC… 198807980499 - 198806989249; USDC acct 8ofECj…
    // 127372755682 - 127372922907
    expect(keys.indexOf("Fn68NZzCCgZKtYmnAYbkL6w5NNx3TgjW91dGkLA3hsDK")).toBe(14);
    expectMovements(tx, "Fn68NZzCCgZKtYmnAYbkL6w5NNx3TgjW91dGkLA3hsDK", {
      sol: 198807980499n - 198806989249n,
      spl: { [USDC]: 127372755682n - 127372922907n },
    });
  });

  test("without its loadedAddresses a json transaction is refused, naming the signature", () => {
    const tx = structuredClone(mm("swap-sol-to-usdc"));
    tx.meta!.loadedAddresses = null;
    expect(() => normalizeTransaction(tx, "3xTPAZxmpwd8GrNEKApaTw6VH4jqJ31WFXUvQzgwhR7c")).toThrow(
      /2X4vKsDS56avumw6jh6Z5wj28GNvK5UkMfY1Ta2Mtouic886EGAraa1gsCJ5rkXyHCeL9p2wHRty3QHAhjf352Dp: preBalances has 19 entries for 12 account keys/,
    );
  });

  test("TRUMP → JUP creating the JUP account: SOL nets to zero", () => {
    // W 52309328 - 54390484 = -2081156, + fee 41876, + new JUP acct 57umWG… 0 → 2039280 = 0
    // TRUMP acct DKvDup… 83590 - 133590; JUP acct 1265445 - 0
    expectMovements(mm("swap-trump-to-jup"), "8VCfQcnssNJznDqDoDDuzoKhdxgZWwwe5ikcKbAVWet5", {
      fee: -41876n,
      spl: { "6p6xgHyF7AeE6TZkSmFsko444wqoP15icUSqi2jfGiPN": 83590n - 133590n, [JUP]: 1265445n - 0n },
    });
  });

  test("USDC → JUP", () => {
    // W 47568321 - 47648322 = -80001 = -fee; USDC acct 3QE7Uk… 1828521 - 2928521; JUP acct 4881197 - 2737385
    expectMovements(mm("swap-usdc-to-jup"), "DtMUkCoeyzs35B6EpQQxPyyog6TRwXxV1W1Acp8nWBNa", {
      fee: -80001n,
      spl: { [USDC]: 1828521n - 2928521n, [JUP]: 4881197n - 2737385n },
    });
  });

  test("devnet: native SOL send, USDC send, dust spam (sender and one recipient)", () => {
    // W 3283865040 - 3383870040 + fee 5000 = -100000000
    expectMovements(mm("devnet-native-sol-transfer"), "BLw3RweJmfbTapJRgnPRvd962YDjFYAnVGd1p5hmZ5tP", {
      sol: 3283865040n - 3383870040n + 5000n,
      fee: -5000n,
    });
    // W 3283860040 - 3283865040 = -5000 = -fee; devnet USDC acct G23tQH… 7649876 - 7659876
    expectMovements(mm("devnet-send-usdc-transfer"), "BLw3RweJmfbTapJRgnPRvd962YDjFYAnVGd1p5hmZ5tP", {
      fee: -5000n,
      spl: { "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU": 7649876n - 7659876n },
    });
    // Spammer W 3024929425 - 3024935270 + fee 5825 = -20 (1 lamport to each of 20 accounts)
    expectMovements(mm("devnet-spam"), "5Hr7wZg7oBpVhH5nngRqzr5W7ZFUfCsfEhbziZJak7fr", {
      sol: 3024929425n - 3024935270n + 5825n,
      fee: -5825n,
    });
    // Recipient 2pVn4y…: 43482164 - 43482163, no fee (it did not pay)
    expectMovements(mm("devnet-spam"), "2pVn4ysAUNTuHPPD1Ew31LUpCxUvjLAv2HBHoVT9zAyV", {
      sol: 43482164n - 43482163n,
    });
  });
});

describe("normalizeTransaction() on getBlock samples (coinbase chainstorage)", () => {
  test("failed transactions in blocks charge only the fee", () => {
    const [v2] = loadBlockTransactions("block_241043141_v2");
    // 5yKF9m… 256557880 - 256562880 = -5000 = -fee; err ProgramFailedToComplete
    expectMovements(v2!, "5yKF9m4HwZPA1cibk7JGEVtAGBL2Jx8PxcuB5EbHXRKq", { fee: 256557880n - 256562880n });
    const [vote, custom, rent] = loadBlockTransactions("transaction_err");
    // Successful vote: 64706311963 - 64706316963 + fee 5000 = 0 → fee only
    expectMovements(vote!, "7PwCuKPmGF3ZqWHgn8zXPtsWJ7Ud2q1DFggRkzctwJnJ", { fee: -5000n });
    expect(normalizeTransaction(custom!, "2ZjcDzwmkptGyD43siZDf4wCjM3NL7pQksmwbsKvYF1N").status).toBe(
      "failed",
    );
    expectMovements(custom!, "2ZjcDzwmkptGyD43siZDf4wCjM3NL7pQksmwbsKvYF1N", { fee: -5000n });
    expectMovements(rent!, "7ivguYMpnUBMboByJbKc7z31fJMg2pXYQ4nNPziWLchZ", { fee: -5000n });
  });

  test("a token balance missing after (closed) or before (created) counts as 0", () => {
    // chainstorage's edited variants of one transaction. DxCsN4…: 27512797459 - 27383701436 + fee 16200
    const sol = 27512797459n - 27383701436n + 16200n;
    const fishy = "Fishy64jCaa3ooqXw7BHtKvYD8BTkSyAPh6RNE3xZpcN";
    // Deletion: acct DBVq4z… pre 50000000, no post → 0 - 50000000
    const [deleted] = loadBlockTransactions("block_account_deletion");
    expectMovements(deleted!, "DxCsN4jatqeTW2pj6fR55TrNqoCcoo8UNAy8xosheeVf", {
      sol,
      fee: -16200n,
      spl: { [fishy]: 0n - 50000000n },
    });
    // Creation: no pre, post 3000 → 3000 - 0
    const [created] = loadBlockTransactions("block_new_token_account");
    expectMovements(created!, "DxCsN4jatqeTW2pj6fR55TrNqoCcoo8UNAy8xosheeVf", {
      sol,
      fee: -16200n,
      spl: { [fishy]: 3000n - 0n },
    });
  });
});

describe("normalizeTransaction() edge cases", () => {
  test("a token balance without owner counts when the account is a known token account of the wallet", () => {
    const tx = structuredClone(recordedTransaction("2kai9Wa4"));
    for (const b of [...tx.meta!.preTokenBalances!, ...tx.meta!.postTokenBalances!]) delete b.owner;
    const wallet = "Ex2F9oJN9UjBnSy273ezWH2kwaAzKTkm4ZmpDuqwzevY";
    const unknown = normalizeTransaction(tx, wallet);
    expect(summary(unknown).spl).toEqual({});
    expect(unknown.details.warnings.length).toBeGreaterThan(0);
    const known = normalizeTransaction(tx, wallet, {
      knownTokenAccounts: new Set(["HFhrg3sS9fsYzkdDkrtBg717QE2H5eByjtKEvHdk17wy"]),
    });
    expect(summary(known).spl).toEqual({ [USDC]: 153265326n - 76652740n });
  });

  test("a failed transaction yields only the fee even if its balances claim more", () => {
    // On chain a failed transaction only moves the fee; a copy whose token and lamport balances say
    // otherwise must still yield nothing but the fee.
    const tx = structuredClone(recordedTransaction("43VK3TtY"));
    const usdc = tx.meta!.postTokenBalances!.find(
      (b) => b.owner === "8A4AptCThfbuknsbteHgGKXczfJpfjuVA9SLTSGaaLGC",
    )!;
    usdc.uiTokenAmount.amount = "999";
    tx.meta!.postBalances[0] = tx.meta!.postBalances[0]! + 1_000_000;
    expectMovements(tx, "8A4AptCThfbuknsbteHgGKXczfJpfjuVA9SLTSGaaLGC", { fee: -520451n });
  });

  test("a lamport balance above 2^53 (precision lost in JSON) is refused, naming the signature", () => {
    const tx = structuredClone(recordedTransaction("2kai9Wa4"));
    tx.meta!.postBalances[0] = 2 ** 60;
    expect(() => normalizeTransaction(tx, "Ex2F9oJN9UjBnSy273ezWH2kwaAzKTkm4ZmpDuqwzevY")).toThrow(
      SolanaNormalizeError,
    );
    expect(() => normalizeTransaction(tx, "Ex2F9oJN9UjBnSy273ezWH2kwaAzKTkm4ZmpDuqwzevY")).toThrow(
      /2kai9Wa4rc433U3Js87MqerFxqYpMkk1tvfEafzg2Z46W3TL1XfZQE2KJCGHMXqS5Jk5toTnXJaNH5d9yMPsbCZL: postBalances holds a value that is not an exact lamport amount/,
    );
  });

  test("every recorded transaction normalizes for its fee payer, and movements sum as the balances say", () => {
    for (const { signature, tx } of loadRecordedTransactions()) {
      const keys = accountKeysOf(tx);
      const n = normalizeTransaction(tx, keys[0]!);
      expect(n.signature).toBe(signature);
      expect(n.walletIsFeePayer).toBe(true);
      if (n.status === "failed") continue;
      // Identity: SOL + fee = the payer's lamport change + its token accounts' lamport changes.
      const owned = new Set(n.ownedTokenAccounts.map((a) => keys.indexOf(a.address)));
      let lamports = BigInt(tx.meta!.postBalances[0]!) - BigInt(tx.meta!.preBalances[0]!);
      for (const i of owned) lamports += BigInt(tx.meta!.postBalances[i]!) - BigInt(tx.meta!.preBalances[i]!);
      const s = summary(n);
      expect(s.sol + s.fee).toBe(lamports);
    }
  });
});
