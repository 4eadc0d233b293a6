import { useMutation } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { apiSend } from "../api.ts";
import { ErrorNote, Figure, Page, TableWrap, tone } from "../components.tsx";
import { diffUsd, shortAddress, usd } from "../format.ts";
import { OptionsBar, useOptions } from "../options.tsx";
import type { HarvestReport, TaxPicture } from "../types.ts";

type Sell = { asset: string; quantity: string; wallet: string };

const Picture = ({ label, before, after }: { label: string; before: TaxPicture; after?: TaxPicture }) => {
  const rows: [string, keyof TaxPicture][] = [
    ["Short-term gain", "short_term_gain"],
    ["Long-term gain", "long_term_gain"],
    ["Net (Schedule D line 16)", "net"],
    ["Capital loss deduction (line 21)", "capital_loss_deduction"],
    ["Taxable income", "taxable_income"],
    ["Regular tax", "regular_tax"],
    ["Net investment income tax", "niit"],
    ["Total federal tax", "total_tax"],
  ];
  return (
    <TableWrap label={label}>
      <table>
        <caption className="sr-only">{label}</caption>
        <thead>
          <tr>
            <th scope="col">Figure</th>
            <th scope="col" className="num">
              {after ? "Before" : "If nothing more is sold"}
            </th>
            {after ? (
              <>
                <th scope="col" className="num">
                  After
                </th>
                <th scope="col" className="num">
                  Change
                </th>
              </>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {rows.map(([name, k]) => (
            <tr key={k}>
              <th scope="row">{name}</th>
              <td className="num">{usd(before[k] as string)}</td>
              {after ? (
                <>
                  <td className="num">{usd(after[k] as string)}</td>
                  <td className={`num ${tone(diffUsd(after[k] as string, before[k] as string)) ?? ""}`}>
                    {usd(diffUsd(after[k] as string, before[k] as string))}
                  </td>
                </>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
};

export const HarvestPage = () => {
  const { year, method, scope } = useOptions();
  const [asOf, setAsOf] = useState("");
  const [income, setIncome] = useState("");
  const [filingStatus, setFiling] = useState("single");
  const [sells, setSells] = useState<Sell[]>([{ asset: "", quantity: "", wallet: "" }]);
  const [buyBack, setBuyBack] = useState(false);
  const [washSale, setWash] = useState(false);
  const body = (withSells: boolean) => ({
    ...(asOf ? { asOf } : { year }),
    method,
    scope,
    filingStatus,
    ...(income.trim() ? { taxableIncome: income.trim().replace(/[$,]/g, "") } : {}),
    ...(withSells
      ? {
          sells: sells
            .filter((s) => s.asset.trim() && s.quantity.trim())
            .map((s) => ({
              asset: s.asset.trim(),
              quantity: s.quantity.trim(),
              ...(s.wallet.trim() ? { wallet: s.wallet.trim() } : {}),
            })),
          buyBack,
          washSale,
        }
      : { washSale }),
  });
  const plan = useMutation({
    mutationFn: () => apiSend<HarvestReport>("POST", "/v1/harvest", { json: body(false) }),
  });
  const whatIf = useMutation({
    mutationFn: () => apiSend<HarvestReport>("POST", "/v1/harvest", { json: body(true) }),
  });
  const r = plan.data;
  const w = whatIf.data?.what_if;
  const setSell = (i: number, s: Partial<Sell>) =>
    setSells(sells.map((x, j) => (i === j ? { ...x, ...s } : x)));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    plan.mutate();
  };
  return (
    <Page
      title="Harvest"
      intro="Tax-loss harvesting: your open lots at a price, the sales that would lower this year's federal tax, and what-ifs. An estimate, not tax advice."
    >
      <form className="card" onSubmit={submit} aria-labelledby="plan-title">
        <h2 id="plan-title">Plan</h2>
        <OptionsBar idPrefix="harvest" />
        <div className="row">
          <div>
            <label htmlFor="h-asof">As of (date or instant; empty: end of {year}, or now)</label>
            <input
              id="h-asof"
              value={asOf}
              onChange={(e) => setAsOf(e.target.value)}
              placeholder="2025-12-20"
            />
          </div>
          <div>
            <label htmlFor="h-income">Other taxable income, USD (default 100,000)</label>
            <input
              id="h-income"
              inputMode="decimal"
              value={income}
              onChange={(e) => setIncome(e.target.value)}
            />
          </div>
          <div>
            <label htmlFor="h-filing">Filing status</label>
            <select id="h-filing" value={filingStatus} onChange={(e) => setFiling(e.target.value)}>
              <option value="single">single</option>
              <option value="mfj">married filing jointly</option>
              <option value="mfs">married filing separately</option>
              <option value="hoh">head of household</option>
            </select>
          </div>
        </div>
        <label className="check">
          <input type="checkbox" checked={washSale} onChange={(e) => setWash(e.target.checked)} /> Simulate
          the proposed 30-day wash-sale rule
        </label>
        <div className="actions">
          <button type="submit" disabled={plan.isPending}>
            {plan.isPending ? "Planning…" : "Show candidates"}
          </button>
        </div>
        <ErrorNote error={plan.error} />
      </form>
      {r ? (
        <>
          <dl className="figures" aria-label="Plan figures">
            <Figure
              label={`Tax saved by the plan (${r.tax_year})`}
              value={usd(r.plan.tax_saved)}
              tone="gain"
            />
            <Figure label="Total tax if nothing is sold" value={usd(r.year_so_far.total_tax)} />
            <Figure label="Total tax after the plan" value={usd(r.plan.after.total_tax)} />
            <Figure label="Candidates" value={String(r.candidates.length)} />
          </dl>
          {r.assumptions.taxable_income_assumed ? (
            <p className="muted">
              Assumed other taxable income {usd(r.assumptions.taxable_income)}: enter yours above for a real
              estimate.
            </p>
          ) : null}
          <section className="card" aria-labelledby="cand-title">
            <h2 id="cand-title">Candidates (as of {r.as_of.slice(0, 10)})</h2>
            {r.candidates.length ? (
              <TableWrap label="Candidates">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Rank</th>
                      <th scope="col">Wallet</th>
                      <th scope="col">Sell</th>
                      <th scope="col" className="num">
                        Proceeds
                      </th>
                      <th scope="col" className="num">
                        Basis
                      </th>
                      <th scope="col" className="num">
                        Loss
                      </th>
                      <th scope="col" className="num">
                        Tax saved
                      </th>
                      <th scope="col">Note</th>
                    </tr>
                  </thead>
                  <tbody>
                    {r.candidates.map((c) => (
                      <tr key={`${c.kind}-${c.rank}-${c.lots}`}>
                        <td>
                          {c.rank}
                          {c.kind === "lot" ? "" : ` (${c.kind})`}
                        </td>
                        <td>
                          <code>{shortAddress(c.wallet)}</code>
                        </td>
                        <td>
                          {c.quantity} {c.asset}
                        </td>
                        <td className="num">{usd(c.proceeds)}</td>
                        <td className="num">{usd(c.cost_basis)}</td>
                        <td className={`num ${tone(c.gain) ?? ""}`}>{usd(c.gain)}</td>
                        <td className="num">{usd(c.tax_saved)}</td>
                        <td className="small">{c.note}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
            ) : (
              <p className="muted">No lot is below cost at this date.</p>
            )}
            {r.plan.sales.length ? (
              <>
                <h3>The plan: sell</h3>
                <ul>
                  {r.plan.sales.map((s) => (
                    <li key={s.id}>
                      {s.quantity} {s.asset} from <code>{shortAddress(s.wallet)}</code> for {usd(s.proceeds)}{" "}
                      (lots <code>{s.lots}</code>)
                    </li>
                  ))}
                </ul>
                <Picture label="Tax before and after the plan" before={r.year_so_far} after={r.plan.after} />
              </>
            ) : (
              <Picture label="The year so far" before={r.year_so_far} />
            )}
          </section>
          <section className="card" aria-labelledby="pos-title">
            <h2 id="pos-title">Positions</h2>
            <TableWrap label="Positions">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Wallet</th>
                    <th scope="col">Asset</th>
                    <th scope="col" className="num">
                      Quantity
                    </th>
                    <th scope="col" className="num">
                      Basis
                    </th>
                    <th scope="col" className="num">
                      Value
                    </th>
                    <th scope="col" className="num">
                      Unrealized
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {r.positions.map((p) => (
                    <tr key={`${p.wallet}-${p.asset}`}>
                      <td>
                        <code>{shortAddress(p.wallet)}</code>
                      </td>
                      <td>{p.asset}</td>
                      <td className="num">{p.quantity}</td>
                      <td className="num">{usd(p.cost_basis)}</td>
                      <td className="num">
                        {p.unpriced_lots ? `unpriced (${p.unpriced_lots} lots)` : usd(p.value)}
                      </td>
                      <td className={`num ${tone(p.unrealized ?? undefined) ?? ""}`}>{usd(p.unrealized)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          </section>
        </>
      ) : null}
      <section className="card" aria-labelledby="whatif-title">
        <h2 id="whatif-title">What if I sell…</h2>
        {sells.map((s, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place
          <fieldset key={i} className="row sell">
            <legend className="sr-only">Sale {i + 1}</legend>
            <div>
              <label htmlFor={`s-asset-${i}`}>Asset</label>
              <input
                id={`s-asset-${i}`}
                value={s.asset}
                onChange={(e) => setSell(i, { asset: e.target.value })}
                placeholder="ETH"
              />
            </div>
            <div>
              <label htmlFor={`s-qty-${i}`}>Quantity</label>
              <input
                id={`s-qty-${i}`}
                inputMode="decimal"
                value={s.quantity}
                onChange={(e) => setSell(i, { quantity: e.target.value })}
              />
            </div>
            <div>
              <label htmlFor={`s-wallet-${i}`}>From wallet (when several hold it)</label>
              <input
                id={`s-wallet-${i}`}
                value={s.wallet}
                onChange={(e) => setSell(i, { wallet: e.target.value })}
              />
            </div>
          </fieldset>
        ))}
        <div className="actions">
          <button
            type="button"
            className="secondary"
            onClick={() => setSells([...sells, { asset: "", quantity: "", wallet: "" }])}
          >
            Add a sale
          </button>
          <label className="check">
            <input type="checkbox" checked={buyBack} onChange={(e) => setBuyBack(e.target.checked)} /> buy it
            back right after
          </label>
          <button
            type="button"
            disabled={whatIf.isPending || !sells.some((s) => s.asset.trim() && s.quantity.trim())}
            onClick={() => whatIf.mutate()}
          >
            {whatIf.isPending ? "Computing…" : "Show the what-if"}
          </button>
        </div>
        <ErrorNote error={whatIf.error} />
        {w ? (
          <div role="status">
            <p>
              Tax saved: <strong>{usd(w.tax_saved)}</strong>
            </p>
            <Picture label="What-if: before and after" before={w.before} after={w.after} />
            {w.buy_backs.length ? (
              <ul>
                {w.buy_backs.map((b) => (
                  <li key={`${b.wallet}-${b.asset}`}>
                    Bought back {b.quantity} {b.asset} for {usd(b.cost)}: basis {usd(b.basis)}, holding period{" "}
                    {b.holding_period}
                  </li>
                ))}
              </ul>
            ) : null}
          </div>
        ) : null}
      </section>
    </Page>
  );
};
