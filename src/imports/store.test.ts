import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../db/client.ts";
import { ensureUser } from "../../db/users.ts";
import { createTestDatabase } from "../../test/services.ts";
import { storeImport } from "./store.ts";
import type { ImportRecord } from "./types.ts";

describe("storeImport: fingerprints and stored data", () => {
  let database: Database;
  let userId: number;
  beforeAll(async () => {
    database = await createTestDatabase("pglite");
    userId = await ensureUser(database.db, "fingerprints");
  });
  afterAll(async () => {
    await database?.close();
  });

  it("digests the record less its line and stores it less line, id, time and kind, whatever its member order", async () => {
    const time = new Date("2025-03-01T12:00:00.250Z");
    const records: ImportRecord[] = [
      // A parser's order: line, id, time, kind, then the rest (undefined members are not written).
      {
        line: 5,
        id: 'cb-"1"',
        time,
        kind: "withdrawal",
        subtype: undefined,
        note: "Sent 1 ETH\tto W",
        out: { asset: "ETH", quantity: "1" },
        usdValue: "3000",
      },
      // Nothing but the leading members.
      { line: 6, id: "cb-2", time, kind: "fiat_deposit" },
      // Another order: the digest follows it.
      { kind: "buy", line: 7, time, id: "cb-3", in: { asset: "BTC", quantity: "0.5" }, usdValue: "40000" },
      { line: 8, id: "cb-4", kind: "sell", time, out: { asset: "BTC", quantity: "0.1" } },
    ];
    const store = () =>
      storeImport(database.db, {
        userId,
        account: "coinbase:fp",
        family: "coinbase",
        format: "coinbase",
        file: "f.csv",
        records,
      });
    const stored = await store();
    expect(stored.added).toBe(4);
    // The stored text as it is (the column's reader would parse it).
    const result = (await database.db.execute(
      sql`select external_id, fingerprint, data, time from lotwise_app.import_records where account = 'coinbase:fp'`,
    )) as unknown as {
      rows: { external_id: string; fingerprint: string; data: string; time: Date | string }[];
    };
    const byId = new Map(result.rows.map((r) => [r.external_id, r]));
    expect(byId.size).toBe(4);
    for (const r of records) {
      const { line: _line, ...rest } = r;
      const { id: _id, time: _time, kind: _kind, ...data } = rest;
      const row = byId.get(r.id)!;
      expect(row.fingerprint, r.id).toBe(createHash("sha256").update(JSON.stringify(rest)).digest("hex"));
      expect(row.data, r.id).toBe(JSON.stringify(data));
      expect(new Date(row.time).toISOString()).toBe(time.toISOString());
    }
    // The same records again: every fingerprint matches, nothing is written.
    const again = await store();
    expect(again).toMatchObject({ added: 0, replaced: 0, unchanged: 4 });
  });
});
