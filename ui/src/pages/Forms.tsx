import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, Fragment, useRef, useState } from "react";
import { ApiError, apiGet, apiSend, download, qs } from "../api.ts";
import { ErrorNote, Figure, Loading, Page, TableWrap, tone } from "../components.tsx";
import { dateTime, usd } from "../format.ts";
import { OptionsBar, useOptions } from "../options.tsx";
import type { FormImport, FormImportResult, ReconcileResponse, Wallet } from "../types.ts";

const CLASSES = [
  "form_only",
  "ledger_only",
  "term_differs",
  "basis_differs",
  "proceeds_differ",
  "basis_missing",
  "matched",
] as const;

/** What each class means (docs/reconciliation.md). */
const CLASS_TEXT: Record<string, string> = {
  form_only: "on the form, not in your books",
  ledger_only: "in your books, on no form",
  term_differs: "short/long term differs",
  basis_differs: "basis differs",
  proceeds_differ: "proceeds differ",
  basis_missing: "no basis reported",
  matched: "matches your books",
};

const PAGE = 50;

const Upload = () => {
  const client = useQueryClient();
  const file = useRef<HTMLInputElement>(null);
  const [account, setAccount] = useState("");
  const [format, setFormat] = useState("auto");
  const wallets = useQuery({
    queryKey: ["wallets"],
    queryFn: () => apiGet<{ wallets: Wallet[] }>("/v1/wallets"),
  });
  const exchanges = [
    ...new Set((wallets.data?.wallets ?? []).filter((w) => w.kind === "exchange").map((w) => w.label)),
  ];
  const upload = useMutation({
    mutationFn: async () => {
      const f = file.current?.files?.[0];
      if (!f) throw new Error("choose the form's CSV file");
      return apiSend<FormImportResult>(
        "POST",
        `/v1/forms/imports${qs({ account: account.trim(), format, file: f.name })}`,
        { text: await f.text(), type: "text/csv" },
      );
    },
    onSuccess: () => {
      client.invalidateQueries({ queryKey: ["forms"] });
      client.invalidateQueries({ queryKey: ["reconcile"] });
      client.invalidateQueries({ queryKey: ["gains"] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    upload.mutate();
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="upload-title">
      <h2 id="upload-title">Upload a Form 1099-DA</h2>
      <div className="row">
        <div>
          <label htmlFor="form-file">Form CSV file</label>
          <input id="form-file" type="file" accept=".csv,text/csv" ref={file} required />
        </div>
        <div>
          <label htmlFor="form-account">Account it reports</label>
          <input
            id="form-account"
            list="form-accounts"
            value={account}
            onChange={(e) => setAccount(e.target.value)}
            placeholder="coinbase:main"
            required
            aria-describedby="form-account-help"
          />
          <datalist id="form-accounts">
            {exchanges.map((x) => (
              <option key={x} value={x} />
            ))}
          </datalist>
          <span id="form-account-help" className="muted small">
            the exchange account (its label on the Wallets page) or a wallet
          </span>
        </div>
        <div>
          <label htmlFor="form-format">Format</label>
          <select id="form-format" value={format} onChange={(e) => setFormat(e.target.value)}>
            <option value="auto">detect</option>
            <option value="1099da">Form 1099-DA CSV</option>
            <option value="coinbase-gainloss">Coinbase gain/loss CSV</option>
          </select>
        </div>
      </div>
      <button type="submit" disabled={upload.isPending || !account.trim()}>
        {upload.isPending ? "Uploading…" : "Upload"}
      </button>
      {upload.data ? (
        <p role="status">
          {upload.data.file}: {upload.data.rows} rows for {upload.data.accountWallet} ({upload.data.inserted}{" "}
          new, {upload.data.replaced} replaced, {upload.data.unchanged} unchanged), tax year
          {upload.data.taxYears.length === 1 ? "" : "s"} {upload.data.taxYears.join(", ")}.
        </p>
      ) : null}
      <ErrorNote error={upload.error} />
    </form>
  );
};

const Imports = () => {
  const client = useQueryClient();
  const imports = useQuery({
    queryKey: ["forms", "imports"],
    queryFn: () => apiGet<{ imports: FormImport[] }>("/v1/forms/imports"),
  });
  const remove = useMutation({
    mutationFn: (id: number) => apiSend("DELETE", `/v1/forms/imports/${id}`),
    onSuccess: () => {
      client.invalidateQueries({ queryKey: ["forms"] });
      client.invalidateQueries({ queryKey: ["reconcile"] });
    },
  });
  if (!imports.data?.imports.length) return null;
  return (
    <section className="card" aria-labelledby="imports-title">
      <h2 id="imports-title">Imported forms</h2>
      <ErrorNote error={remove.error} />
      <ul className="runs">
        {imports.data.imports.map((i) => (
          <li key={i.id}>
            <span>
              <strong>{i.file}</strong> · {i.brokers.join(", ")} {i.brokerAccounts.join(", ")} →{" "}
              <code>{i.accountWallet}</code> · {i.rows} rows · {i.taxYears.join(", ")}{" "}
              <span className="muted">{dateTime(i.createdAt)}</span>
            </span>
            <button type="button" className="danger" onClick={() => remove.mutate(i.id)}>
              Remove<span className="sr-only"> {i.file}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
};

export const FormsPage = () => {
  const { year, method, scope } = useOptions();
  const [cls, setCls] = useState("");
  const [offset, setOffset] = useState(0);
  const q = { year, method, scope };
  const rec = useQuery({
    queryKey: ["reconcile", q, cls, offset],
    queryFn: () => apiGet<ReconcileResponse>(`/v1/reconcile${qs({ ...q, class: cls, limit: PAGE, offset })}`),
    retry: false,
  });
  const none = rec.error instanceof ApiError && rec.error.status === 404;
  const r = rec.data?.reconciliation;
  return (
    <Page
      title="Form 1099-DA"
      intro="Your broker's Form 1099-DA against your books: every form row and every disposal no form reports, classified and explained."
    >
      <Upload />
      <Imports />
      <section className="card" aria-labelledby="rec-title">
        <h2 id="rec-title">Reconciliation</h2>
        <OptionsBar idPrefix="rec" />
        {none ? (
          <p className="muted">No Form 1099-DA rows for {year}: upload your broker's form above.</p>
        ) : (
          <ErrorNote error={rec.error} />
        )}
        {rec.isPending ? <Loading what="the reconciliation" /> : null}
        {r ? (
          <>
            {r.complete ? null : (
              <p role="alert" className="error">
                Incomplete: {r.incomplete_reason}
              </p>
            )}
            <dl className="figures" aria-label="Reconciliation totals">
              <Figure label="Gain, column (h)" value={usd(r.gain)} tone={tone(r.gain)} />
              <Figure label="Gain in your books" value={usd(r.books_gain)} tone={tone(r.books_gain)} />
              <Figure label="Adjustments, column (g)" value={usd(r.total_adjustment)} />
              <Figure
                label="Differences"
                value={String(
                  CLASSES.filter((c) => c !== "matched").reduce((n, c) => n + (r.classes[c]?.count ?? 0), 0),
                )}
              />
            </dl>
            <TableWrap label="Classes">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Class</th>
                    <th scope="col" className="num">
                      Lines
                    </th>
                    <th scope="col" className="num">
                      Proceeds: form
                    </th>
                    <th scope="col" className="num">
                      books
                    </th>
                    <th scope="col" className="num">
                      Basis: form
                    </th>
                    <th scope="col" className="num">
                      books
                    </th>
                    <th scope="col" className="num">
                      Adjustment
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {CLASSES.map((c) => {
                    const t = r.classes[c];
                    return t ? (
                      <tr key={c}>
                        <th scope="row">
                          <span className={`badge class-${c}`}>{c}</span>{" "}
                          <span className="muted small">{CLASS_TEXT[c]}</span>
                        </th>
                        <td className="num">{t.count}</td>
                        <td className="num">{usd(t.proceeds_form)}</td>
                        <td className="num">{usd(t.proceeds_ledger)}</td>
                        <td className="num">{usd(t.basis_form)}</td>
                        <td className="num">{usd(t.basis_ledger)}</td>
                        <td className="num">{usd(t.adjustment)}</td>
                      </tr>
                    ) : null;
                  })}
                </tbody>
              </table>
            </TableWrap>
            <div className="card-head">
              <h3>Row by row</h3>
              <div className="actions">
                <label htmlFor="rec-class" className="sr-only">
                  Show class
                </label>
                <select
                  id="rec-class"
                  value={cls}
                  onChange={(e) => {
                    setCls(e.target.value);
                    setOffset(0);
                  }}
                >
                  <option value="">every class</option>
                  {CLASSES.map((c) => (
                    <option key={c} value={c}>
                      {c}
                    </option>
                  ))}
                </select>
                <button
                  type="button"
                  className="secondary"
                  onClick={() => download(`/v1/reconcile/discrepancies.csv${qs(q)}`, "discrepancies.csv")}
                >
                  discrepancies.csv
                </button>
                <button
                  type="button"
                  className="secondary"
                  onClick={() => download(`/v1/reconcile/form8949.csv${qs(q)}`, "form8949.csv")}
                >
                  Reconciled Form 8949 CSV
                </button>
              </div>
            </div>
            <TableWrap label="Discrepancies">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Class</th>
                    <th scope="col">Form line</th>
                    <th scope="col">Asset, sold</th>
                    <th scope="col" className="num">
                      Units form / books
                    </th>
                    <th scope="col" className="num">
                      Proceeds form / books
                    </th>
                    <th scope="col" className="num">
                      Basis form / books
                    </th>
                    <th scope="col">Term form / books</th>
                    <th scope="col">Code, (g)</th>
                  </tr>
                </thead>
                <tbody>
                  {rec.data?.discrepancies.map((d, i) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: a ledger_only row has no form line; its place is its identity
                    <Fragment key={`${d.formLine}-${d.ledgerIds.join(";")}-${i + offset}`}>
                      <tr className="disc">
                        <td>
                          <span className={`badge class-${d.class}`}>{d.class}</span>
                        </td>
                        <td>
                          <code>{d.formLine ? d.formLine.slice(d.formLine.lastIndexOf("/") + 1) : "—"}</code>
                          <div className="muted small">
                            {d.broker} {d.account}
                          </div>
                        </td>
                        <td>
                          {d.asset} {d.dateSold}
                        </td>
                        <td className="num">
                          {d.unitsForm || "—"} / {d.unitsLedger || "—"}
                        </td>
                        <td className="num">
                          {usd(d.proceedsForm)} / {usd(d.proceedsLedger)}
                        </td>
                        <td className="num">
                          {usd(d.basisForm)} / {usd(d.basisLedger)}
                        </td>
                        <td>
                          {d.termForm || "—"} / {d.termLedger || "—"}
                        </td>
                        <td>
                          {d.adjustmentCodes ? (
                            <>
                              {d.adjustmentCodes} {usd(d.adjustment)}
                            </>
                          ) : (
                            ""
                          )}
                        </td>
                      </tr>
                      <tr className="explain-row">
                        <td colSpan={8}>
                          <div className="explain-text">
                            <span className="sr-only">Explanation: </span>
                            {d.explanation}
                          </div>
                        </td>
                      </tr>
                    </Fragment>
                  ))}
                </tbody>
              </table>
            </TableWrap>
            <div className="pager">
              <button
                type="button"
                className="secondary"
                disabled={offset === 0}
                onClick={() => setOffset(Math.max(0, offset - PAGE))}
              >
                Previous
              </button>
              <span aria-live="polite">
                {rec.data?.total
                  ? `Rows ${offset + 1}–${Math.min(offset + PAGE, rec.data.total)} of ${rec.data.total}`
                  : "No rows"}
              </span>
              <button
                type="button"
                className="secondary"
                disabled={offset + PAGE >= (rec.data?.total ?? 0)}
                onClick={() => setOffset(offset + PAGE)}
              >
                Next
              </button>
            </div>
            {r.notes.length ? (
              <ul className="muted small">
                {r.notes.map((n) => {
                  const text = typeof n === "string" ? n : JSON.stringify(n);
                  return <li key={text}>{text}</li>;
                })}
              </ul>
            ) : null}
          </>
        ) : null}
      </section>
    </Page>
  );
};
