import { describe, expect, test } from "vitest";
import { isChainName } from "../../chains/registry.ts";
import { isAccountSpec } from "./accounts.ts";
import { EXCHANGE_FAMILIES } from "./registry.ts";

const isChain = (name: string) => isChainName(name);
const account = (spec: string) => isAccountSpec(spec, isChain, EXCHANGE_FAMILIES);

describe("isAccountSpec: an exchange account or a <chain>:<address> wallet", () => {
  test("every exchange lotwise imports names an account, even one that is also a chain viem knows", () => {
    // viem's "robinhood" chain (id 4663) made robinhood:main an invalid EVM address.
    expect(isChain("robinhood")).toBe(true);
    for (const exchange of EXCHANGE_FAMILIES) expect(account(`${exchange}:main`), exchange).toBe(true);
    expect(account("Robinhood:main")).toBe(true);
  });

  test("an address after a chain name is a wallet; a chain lotwise does not import from is never an account", () => {
    expect(account("robinhood:0x1111111111111111111111111111111111111111")).toBe(false);
    expect(account("base:main")).toBe(false);
    expect(account("ethereum:0xab")).toBe(false);
    expect(account("binance:main")).toBe(true);
    // A mistyped chain id after evm: must fail as a wallet, not become the exchange account "evm".
    expect(account("evm:abc:0x52908400098527886E0F7030069857D2E4169EE7")).toBe(false);
    expect(account("EVM:main")).toBe(false);
  });
});
