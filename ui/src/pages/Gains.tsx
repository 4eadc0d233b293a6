import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { apiGet, download, qs } from "../api.ts";
import { ErrorNote, Figure, Loading, Page, TableWrap, tone } from "../components.tsx";
import { axisUsd, cents, fromCents, plot, shortAddress, usd, usdLoss, withZero } from "../format.ts";
import { OptionsBar, useOptions } from "../options.tsx";
import type { Form8949Row, SummaryResponse } from "../types.ts";
import { UnrealizedChart } from "./unrealized.tsx";

const PAGE = 50;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export const useGainsQuery = () => {
  const { year, method, scope } = useOptions();
  return { year, method, scope };
};

/** Every Form 8949 row of the year (pages of 500), for the monthly chart. */
const allRows = async (q: Record<string, string | number>): Promise<Form8949Row[]> => {
  const rows: Form8949Row[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = await apiGet<{ rows: Form8949Row[]; total: number }>(
      `/v1/gains/form8949${qs({ ...q, limit: 500, offset })}`,
    );
    rows.push(...page.rows);
    if (rows.length >= page.total || page.rows.length === 0) return rows;
  }
};

const money = (v: unknown) => usd(typeof v === "number" ? v.toFixed(2) : String(v));

const ScheduleD = ({ s }: { s: SummaryResponse["summary"] }) => (
  <TableWrap label="Schedule D">
    <table>
      <caption className="sr-only">Schedule D lines for {s.tax_year}</caption>
      <thead>
        <tr>
          <th scope="col">Line</th>
          <th scope="col" className="num">
            Proceeds (d)
          </th>
          <th scope="col" className="num">
            Cost basis (e)
          </th>
          <th scope="col" className="num">
            Adjustments (g)
          </th>
          <th scope="col" className="num">
            Gain or loss (h)
          </th>
        </tr>
      </thead>
      <tbody>
        <tr>
          <th scope="row">Part I short-term (lines 1–3)</th>
          <td className="num">{usd(s.short_term.proceeds)}</td>
          <td className="num">{usd(s.short_term.cost_basis)}</td>
          <td className="num">{usd(s.short_term.adjustments)}</td>
          <td className={`num ${tone(s.short_term.gain) ?? ""}`}>{usd(s.short_term.gain)}</td>
        </tr>
        <tr>
          <th scope="row">Line 6 short-term carryover</th>
          <td colSpan={3} />
          <td className="num">{usdLoss(s.carryover_in.short_term)}</td>
        </tr>
        <tr>
          <th scope="row">Line 7 net short-term</th>
          <td colSpan={3} />
          <td className={`num ${tone(s.net_short_term) ?? ""}`}>{usd(s.net_short_term)}</td>
        </tr>
        <tr>
          <th scope="row">Part II long-term (lines 8–10)</th>
          <td className="num">{usd(s.long_term.proceeds)}</td>
          <td className="num">{usd(s.long_term.cost_basis)}</td>
          <td className="num">{usd(s.long_term.adjustments)}</td>
          <td className={`num ${tone(s.long_term.gain) ?? ""}`}>{usd(s.long_term.gain)}</td>
        </tr>
        <tr>
          <th scope="row">Line 14 long-term carryover</th>
          <td colSpan={3} />
          <td className="num">{usdLoss(s.carryover_in.long_term)}</td>
        </tr>
        <tr>
          <th scope="row">Line 15 net long-term</th>
          <td colSpan={3} />
          <td className={`num ${tone(s.net_long_term) ?? ""}`}>{usd(s.net_long_term)}</td>
        </tr>
        <tr>
          <th scope="row">Line 16 net gain or loss</th>
          <td colSpan={3} />
          <td className={`num ${tone(s.net) ?? ""}`}>{usd(s.net)}</td>
        </tr>
        <tr>
          <th scope="row">Line 21 capital loss deduction</th>
          <td colSpan={3} />
          <td className="num">{usdLoss(s.capital_loss_deduction)}</td>
        </tr>
        <tr>
          <th scope="row">Carryover to next year (short / long)</th>
          <td colSpan={3} />
          <td className="num">
            {usd(s.carryover_out.short_term)} / {usd(s.carryover_out.long_term)}
          </td>
        </tr>
      </tbody>
    </table>
  </TableWrap>
);

export const GainsPage = () => {
  const q = useGainsQuery();
  const [offset, setOffset] = useState(0);
  const summary = useQuery({
    queryKey: ["gains", "summary", q],
    queryFn: () => apiGet<SummaryResponse>(`/v1/gains/summary${qs(q)}`),
  });
  const rows = useQuery({
    queryKey: ["gains", "form8949", q, offset],
    queryFn: () =>
      apiGet<{ rows: Form8949Row[]; total: number }>(
        `/v1/gains/form8949${qs({ ...q, limit: PAGE, offset })}`,
      ),
  });
  const all = useQuery({ queryKey: ["gains", "form8949-all", q], queryFn: () => allRows(q) });

  const byMonth = MONTHS.map((m, i) => {
    let st = 0n;
    let lt = 0n;
    for (const r of all.data ?? [])
      if (Number(r.dateSold.slice(5, 7)) === i + 1) {
        if (r.term === "short") st += cents(r.gain);
        else lt += cents(r.gain);
      }
    return { month: m, "short-term": plot(fromCents(st)), "long-term": plot(fromCents(lt)) };
  });
  const s = summary.data?.summary;
  const termData = s
    ? [
        { term: "Short-term", gain: plot(s.short_term.gain), proceeds: plot(s.short_term.proceeds) },
        { term: "Long-term", gain: plot(s.long_term.gain), proceeds: plot(s.long_term.proceeds) },
      ]
    : [];

  return (
    <Page title="Gains" intro="Schedule D and Form 8949 for the year, computed on your reconciled ledger.">
      <OptionsBar idPrefix="gains" />
      <ErrorNote error={summary.error ?? rows.error} />
      {s ? (
        <>
          <dl className="figures" aria-label="Key figures">
            <Figure label="Short-term gain" value={usd(s.short_term.gain)} tone={tone(s.short_term.gain)} />
            <Figure label="Long-term gain" value={usd(s.long_term.gain)} tone={tone(s.long_term.gain)} />
            <Figure label="Net capital gain (line 16)" value={usd(s.net)} tone={tone(s.net)} />
            <Figure label="Ordinary income" value={usd(s.ordinary_income.total)} />
            <Figure label="Form 8949 rows" value={String(summary.data?.form8949Rows ?? 0)} />
            <Figure label="Warnings" value={String(s.warnings.length)} />
          </dl>
          <section className="card" aria-labelledby="charts-title">
            <h2 id="charts-title">Charts</h2>
            <div className="charts">
              <figure className="chart" aria-labelledby="chart-month">
                <figcaption id="chart-month">Realized gain by month ({q.year})</figcaption>
                <ResponsiveContainer width="100%" height="90%">
                  <BarChart data={byMonth}>
                    <CartesianGrid strokeDasharray="3 3" />
                    <XAxis dataKey="month" />
                    <YAxis width={70} tickFormatter={axisUsd} domain={withZero} />
                    <Tooltip formatter={money} />
                    <Legend />
                    <Bar dataKey="short-term" stackId="g" fill="#1f77b4" />
                    <Bar dataKey="long-term" stackId="g" fill="#2ca02c" />
                  </BarChart>
                </ResponsiveContainer>
              </figure>
              <figure className="chart" aria-labelledby="chart-term">
                <figcaption id="chart-term">Short-term vs long-term</figcaption>
                <ResponsiveContainer width="100%" height="90%">
                  <BarChart data={termData}>
                    <CartesianGrid strokeDasharray="3 3" />
                    <XAxis dataKey="term" />
                    <YAxis width={70} tickFormatter={axisUsd} domain={withZero} />
                    <Tooltip formatter={money} />
                    <Legend />
                    <Bar dataKey="proceeds" fill="#9467bd" />
                    <Bar dataKey="gain" fill="#ff7f0e" />
                  </BarChart>
                </ResponsiveContainer>
              </figure>
              <UnrealizedChart />
            </div>
          </section>
          <section className="card" aria-labelledby="schedd-title">
            <h2 id="schedd-title">Schedule D</h2>
            <ScheduleD s={s} />
            {s.ordinary_income.total !== "0.00" ? (
              <p>
                Ordinary income (Schedule 1):{" "}
                {Object.entries(s.ordinary_income.by_subtype)
                  .map(([k, v]) => `${k} ${usd(v)}`)
                  .join(", ")}
              </p>
            ) : null}
            {s.warnings.length ? (
              <details>
                <summary>
                  {s.warnings.length} warning{s.warnings.length === 1 ? "" : "s"}
                </summary>
                <ul>
                  {s.warnings.map((w) => (
                    <li key={`${w.code}-${w.id}`}>
                      <span className="badge warn">{w.code}</span> {w.date}: {w.message}
                    </li>
                  ))}
                </ul>
              </details>
            ) : null}
          </section>
        </>
      ) : summary.isPending ? (
        <Loading what="the gains" />
      ) : null}
      <section className="card" aria-labelledby="f8949-title">
        <div className="card-head">
          <h2 id="f8949-title">Form 8949 rows</h2>
          <button
            type="button"
            className="secondary"
            onClick={() => download(`/v1/gains/form8949.csv${qs(q)}`, `form8949-${q.year}.csv`)}
          >
            Download CSV
          </button>
        </div>
        {rows.data ? (
          <>
            <TableWrap label="Form 8949 rows">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Box</th>
                    <th scope="col">(a) Description</th>
                    <th scope="col">(b) Acquired</th>
                    <th scope="col">(c) Sold</th>
                    <th scope="col" className="num">
                      (d) Proceeds
                    </th>
                    <th scope="col" className="num">
                      (e) Basis
                    </th>
                    <th scope="col">(f) Code</th>
                    <th scope="col" className="num">
                      (g) Adjustment
                    </th>
                    <th scope="col" className="num">
                      (h) Gain
                    </th>
                    <th scope="col">Wallet</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.data.rows.map((r) => (
                    <tr key={`${r.disposalId}-${r.lotId}`}>
                      <td>{r.box}</td>
                      <td>{r.description}</td>
                      <td>{r.dateAcquired}</td>
                      <td>{r.dateSold}</td>
                      <td className="num">{usd(r.proceeds)}</td>
                      <td className="num">{usd(r.costBasis)}</td>
                      <td>{r.adjustmentCode}</td>
                      <td className="num">{r.adjustment ? usd(r.adjustment) : ""}</td>
                      <td className={`num ${tone(r.gain) ?? ""}`}>{usd(r.gain)}</td>
                      <td>
                        <code title={r.wallet}>{shortAddress(r.wallet)}</code>
                      </td>
                    </tr>
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
                {rows.data.total === 0
                  ? "No disposals this year"
                  : `Rows ${offset + 1}–${Math.min(offset + PAGE, rows.data.total)} of ${rows.data.total}`}
              </span>
              <button
                type="button"
                className="secondary"
                disabled={offset + PAGE >= rows.data.total}
                onClick={() => setOffset(offset + PAGE)}
              >
                Next
              </button>
            </div>
          </>
        ) : (
          <Loading what="Form 8949 rows" />
        )}
      </section>
    </Page>
  );
};
