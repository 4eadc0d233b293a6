import { useQuery } from "@tanstack/react-query";
import { type ColumnDef, flexRender, getCoreRowModel, useReactTable } from "@tanstack/react-table";
import { useMemo, useState } from "react";
import { apiGet, download, qs } from "../api.ts";
import { ErrorNote, Loading, Page, TableWrap } from "../components.tsx";
import { dateTime, shortAddress, usd } from "../format.ts";
import { YEARS } from "../options.tsx";
import { TxView } from "../txview.tsx";
import type { LedgerRow, Wallet } from "../types.ts";

const TYPES = ["buy", "sell", "swap", "income", "spend", "gift", "transfer", "fee"] as const;
const PAGE = 50;

const chainOf = (wallet: string) => wallet.slice(0, wallet.lastIndexOf(":"));

const qty = (q: string | null, a: string | null) => (q && a ? `${q} ${a}` : "");

const columns: ColumnDef<LedgerRow>[] = [
  { header: "Time (UTC)", accessorKey: "time", cell: (c) => dateTime(c.getValue<string>()) },
  {
    header: "Type",
    accessorKey: "type",
    cell: (c) => `${c.row.original.type}${c.row.original.subtype ? ` · ${c.row.original.subtype}` : ""}`,
  },
  { header: "Out", id: "out", cell: (c) => qty(c.row.original.outQuantity, c.row.original.outAsset) },
  { header: "In", id: "in", cell: (c) => qty(c.row.original.inQuantity, c.row.original.inAsset) },
  {
    header: "USD value",
    accessorKey: "usdValue",
    cell: (c) => usd(c.getValue<string | null>()),
    meta: { num: true },
  },
  { header: "Fee", id: "fee", cell: (c) => qty(c.row.original.feeQuantity, c.row.original.feeAsset) },
  {
    header: "Wallet",
    accessorKey: "wallet",
    cell: (c) => <code title={c.getValue<string>()}>{shortAddress(c.getValue<string>())}</code>,
  },
  {
    header: "Warnings",
    id: "warnings",
    cell: (c) =>
      c.row.original.warnings.length ? (
        <span className="badge warn">{c.row.original.warnings.length}</span>
      ) : (
        ""
      ),
  },
];

const RowDetail = ({ row }: { row: LedgerRow }) => {
  const hashes = row.tx ? row.tx.split(";").filter(Boolean) : [];
  const chain = chainOf(row.wallet);
  return (
    <section className="card" aria-labelledby="row-title" aria-live="polite">
      <h2 id="row-title">Row {row.id}</h2>
      <dl className="detail">
        <dt>Time</dt>
        <dd>{dateTime(row.time)}</dd>
        <dt>Type</dt>
        <dd>
          {row.type}
          {row.subtype ? ` (${row.subtype})` : ""}
        </dd>
        <dt>Wallet</dt>
        <dd>
          <code>{row.wallet}</code>
          {row.toWallet ? (
            <>
              {" "}
              → <code>{row.toWallet}</code>
            </>
          ) : null}
        </dd>
        <dt>Origin</dt>
        <dd>{row.origin}</dd>
        <dt>Transactions</dt>
        <dd>
          {hashes.length ? (
            <ul className="plain">
              {hashes.map((h) => (
                <li key={h}>
                  {row.origin.startsWith("import:") ? <code>{h}</code> : <TxView tx={`${chain}:${h}`} />}
                </li>
              ))}
            </ul>
          ) : (
            "—"
          )}
        </dd>
        <dt>USD value</dt>
        <dd>
          {usd(row.usdValue)}
          {row.priceSources.usd_value ? (
            <span className="muted"> — price source: {row.priceSources.usd_value}</span>
          ) : null}
        </dd>
        {row.feeAsset ? (
          <>
            <dt>Fee</dt>
            <dd>
              {row.feeQuantity} {row.feeAsset} = {usd(row.feeUsd)}
              {row.priceSources.fee_usd ? (
                <span className="muted"> — price source: {row.priceSources.fee_usd}</span>
              ) : null}
            </dd>
          </>
        ) : null}
        {Object.entries(row.priceSources)
          .filter(([k]) => k !== "usd_value" && k !== "fee_usd")
          .map(([k, v]) => (
            <div key={k}>
              <dt>Price source ({k})</dt>
              <dd>{v}</dd>
            </div>
          ))}
        {row.lots ? (
          <>
            <dt>Lots (specific identification)</dt>
            <dd>
              <code>{row.lots}</code>
            </dd>
          </>
        ) : null}
        {row.note ? (
          <>
            <dt>Note</dt>
            <dd>{row.note}</dd>
          </>
        ) : null}
        <dt>Warnings</dt>
        <dd>
          {row.warnings.length ? (
            <ul className="plain">
              {row.warnings.map((w) => (
                <li key={w} className="warn">
                  {w}
                </li>
              ))}
            </ul>
          ) : (
            "none"
          )}
        </dd>
      </dl>
    </section>
  );
};

export const LedgerPage = () => {
  const [filters, setFilters] = useState({ wallet: "", asset: "", type: "", year: "", warnings: false });
  const [cursors, setCursors] = useState<string[]>([]);
  const [selected, setSelected] = useState<LedgerRow | undefined>();
  const cursor = cursors.at(-1);
  const params = {
    limit: PAGE,
    cursor,
    wallet: filters.wallet,
    asset: filters.asset.trim(),
    type: filters.type,
    year: filters.year,
    warnings: filters.warnings ? "true" : undefined,
  };
  const wallets = useQuery({
    queryKey: ["wallets"],
    queryFn: () => apiGet<{ wallets: Wallet[] }>("/v1/wallets"),
  });
  const page = useQuery({
    queryKey: ["ledger", params],
    queryFn: () => apiGet<{ rows: LedgerRow[]; nextCursor: string | null }>(`/v1/ledger${qs(params)}`),
  });
  const data = useMemo(() => page.data?.rows ?? [], [page.data]);
  const table = useReactTable({ data, columns, getCoreRowModel: getCoreRowModel() });
  const set = (f: Partial<typeof filters>) => {
    setFilters((prev) => ({ ...prev, ...f }));
    setCursors([]);
    setSelected(undefined);
  };
  return (
    <Page
      title="Ledger"
      intro="Every reconciled row, in ledger order. Select a row for its transactions and price sources."
    >
      <fieldset className="options">
        <legend className="sr-only">Filters</legend>
        <label htmlFor="f-wallet">Wallet</label>
        <select id="f-wallet" value={filters.wallet} onChange={(e) => set({ wallet: e.target.value })}>
          <option value="">all</option>
          {wallets.data?.wallets.map((w) => (
            <option key={w.id} value={w.wallet}>
              {w.label ? `${w.label} (${w.wallet})` : w.wallet}
            </option>
          ))}
        </select>
        <label htmlFor="f-asset">Asset</label>
        <input id="f-asset" value={filters.asset} onChange={(e) => set({ asset: e.target.value })} size={8} />
        <label htmlFor="f-type">Type</label>
        <select id="f-type" value={filters.type} onChange={(e) => set({ type: e.target.value })}>
          <option value="">all</option>
          {TYPES.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
        <label htmlFor="f-year">Year</label>
        <select id="f-year" value={filters.year} onChange={(e) => set({ year: e.target.value })}>
          <option value="">all</option>
          {YEARS.map((y) => (
            <option key={y}>{y}</option>
          ))}
        </select>
        <label htmlFor="f-warnings" className="check">
          <input
            id="f-warnings"
            type="checkbox"
            checked={filters.warnings}
            onChange={(e) => set({ warnings: e.target.checked })}
          />{" "}
          only rows with warnings
        </label>
        <button
          type="button"
          className="secondary"
          onClick={() => download(`/v1/ledger.csv${qs({ year: filters.year })}`, "ledger.csv")}
        >
          Download ledger CSV
        </button>
      </fieldset>
      <ErrorNote error={page.error} />
      {page.isPending ? (
        <Loading what="the ledger" />
      ) : (
        <>
          <TableWrap label="Ledger rows">
            <table>
              <thead>
                {table.getHeaderGroups().map((g) => (
                  <tr key={g.id}>
                    {g.headers.map((h) => (
                      <th
                        key={h.id}
                        scope="col"
                        className={(h.column.columnDef.meta as { num?: boolean })?.num ? "num" : ""}
                      >
                        {flexRender(h.column.columnDef.header, h.getContext())}
                      </th>
                    ))}
                  </tr>
                ))}
              </thead>
              <tbody>
                {table.getRowModel().rows.map((r) => (
                  <tr
                    key={r.id}
                    className={`clickable${selected?.id === r.original.id ? " selected" : ""}`}
                    tabIndex={0}
                    aria-selected={selected?.id === r.original.id}
                    onClick={() => setSelected(r.original)}
                    onKeyDown={(e) => {
                      if (e.key === "Enter" || e.key === " ") {
                        e.preventDefault();
                        setSelected(r.original);
                      }
                    }}
                  >
                    {r.getVisibleCells().map((c) => (
                      <td
                        key={c.id}
                        className={(c.column.columnDef.meta as { num?: boolean })?.num ? "num" : ""}
                      >
                        {flexRender(c.column.columnDef.cell, c.getContext())}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          {data.length === 0 ? <p className="muted">No rows match.</p> : null}
          <div className="pager">
            <button
              type="button"
              className="secondary"
              disabled={!cursors.length}
              onClick={() => setCursors(cursors.slice(0, -1))}
            >
              Previous
            </button>
            <span>Page {cursors.length + 1}</span>
            <button
              type="button"
              className="secondary"
              disabled={!page.data?.nextCursor}
              onClick={() => page.data?.nextCursor && setCursors([...cursors, page.data.nextCursor])}
            >
              Next
            </button>
          </div>
        </>
      )}
      {selected ? <RowDetail row={selected} /> : null}
    </Page>
  );
};
