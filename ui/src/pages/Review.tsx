import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { apiGet, apiSend, qs } from "../api.ts";
import { ErrorNote, Loading, Page } from "../components.tsx";
import { dateTime, diffUsd, shortAddress, usd } from "../format.ts";
import { OptionsBar, useOptions } from "../options.tsx";
import { TxView, useTx } from "../txview.tsx";
import type { Decision, GainsSummary, ReviewItem, SummaryResponse } from "../types.ts";

type Action = { as: string; to?: string; subtype?: string };

const REASONS: Record<string, string> = {
  unmatched_outflow: "Sent to an address that is not yours",
  unmatched_inflow: "Received from an address that is not yours",
  missing_price: "No USD price",
  unknown_contract: "Unknown contract",
  unknown_decimals: "Unknown token decimals",
  complex_trade: "Complex transaction",
  spam: "Possible spam",
};

/** The one-click choices for each reason (everything else: the full list). */
const ACTIONS_FOR: Record<string, { label: string; action: Action }[]> = {
  unmatched_outflow: [
    { label: "Sold", action: { as: "sell" } },
    { label: "Spent (payment)", action: { as: "spend" } },
    { label: "Gift", action: { as: "gift" } },
    { label: "To my own account", action: { as: "transfer" } },
    { label: "Ignore", action: { as: "ignore" } },
    { label: "Spam", action: { as: "spam" } },
  ],
  unmatched_inflow: [
    { label: "Income: airdrop", action: { as: "income", subtype: "airdrop" } },
    { label: "Income: staking", action: { as: "income", subtype: "staking" } },
    { label: "Income: payment", action: { as: "income", subtype: "payment" } },
    { label: "Gift received", action: { as: "gift" } },
    { label: "From my own account", action: { as: "transfer" } },
    { label: "Ignore", action: { as: "ignore" } },
    { label: "Spam", action: { as: "spam" } },
  ],
};
const ALL_ACTIONS = ["sell", "spend", "gift", "income", "transfer", "ignore", "spam"].map((as) => ({
  label: as,
  action: { as },
}));

type Effect = {
  what: string;
  year: number;
  before: GainsSummary;
  after: GainsSummary;
  resolved: boolean;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Before/after of the year's figures that a decision changed. */
const EffectNote = ({ e }: { e: Effect }) => {
  const lines: [string, string, string][] = [
    ["Short-term gain", e.before.short_term.gain, e.after.short_term.gain],
    ["Long-term gain", e.before.long_term.gain, e.after.long_term.gain],
    ["Net capital gain", e.before.net, e.after.net],
    ["Ordinary income", e.before.ordinary_income.total, e.after.ordinary_income.total],
  ];
  const changed = lines.filter(([, a, b]) => a !== b);
  return (
    <div className="effect" role="status">
      <p>
        <strong>{e.what}</strong>{" "}
        {e.resolved
          ? "— the ledger was rebuilt."
          : "— the ledger rebuild has not finished yet; figures may change."}
      </p>
      {changed.length ? (
        <ul className="plain">
          {changed.map(([label, a, b]) => (
            <li key={label}>
              {e.year} {label.toLowerCase()}: {usd(a)} → <strong>{usd(b)}</strong> (
              {diffUsd(b, a).startsWith("-") ? "" : "+"}
              {usd(diffUsd(b, a))})
            </li>
          ))}
        </ul>
      ) : (
        <p>No change to {e.year}'s gains or income.</p>
      )}
    </div>
  );
};

const ItemCard = ({
  item,
  onDecide,
  busy,
}: {
  item: ReviewItem;
  onDecide: (item: ReviewItem, action: Action, rule?: Decision["rule"]) => void;
  busy: boolean;
}) => {
  const id = useId();
  const [toAccount, setTo] = useState("");
  const [allLikeThis, setAll] = useState(false);
  const detail = useTx(item.tx);
  const direction: "in" | "out" | undefined =
    item.reason === "unmatched_outflow" ? "out" : item.reason === "unmatched_inflow" ? "in" : undefined;
  const move = detail.data?.movements.find((m) => m.direction === direction && m.counterparty);
  const rule =
    direction && move ? { counterparty: move.counterparty!, direction, chain: item.chain } : undefined;
  const actions = ACTIONS_FOR[item.reason] ?? ALL_ACTIONS;
  const hash = item.tx.slice(item.tx.lastIndexOf(":") + 1);
  return (
    <article className="card review-item" aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>
        {REASONS[item.reason] ?? item.reason} <span className="muted small">· {item.chain}</span>
      </h3>
      <p>{item.message}</p>
      <TxView tx={item.tx} />
      <fieldset className="decide">
        <legend>Decide transaction {shortAddress(hash)}</legend>
        {rule ? (
          <label className="check">
            <input type="checkbox" checked={allLikeThis} onChange={(e) => setAll(e.target.checked)} />{" "}
            <span>
              Apply to all like this: every {direction === "out" ? "transfer to" : "transfer from"}{" "}
              <code>{shortAddress(rule.counterparty)}</code> on {item.chain}, now and in future syncs
            </span>
          </label>
        ) : null}
        <label htmlFor={`${id}-to`}>Own account (for transfers)</label>
        <input
          id={`${id}-to`}
          value={toAccount}
          onChange={(e) => setTo(e.target.value)}
          placeholder="coinbase:main"
          aria-describedby={`${id}-to-help`}
        />
        <span id={`${id}-to-help`} className="sr-only">
          Needed when you choose a transfer to or from your own account
        </span>
        <div className="actions">
          {actions.map(({ label, action }) => (
            <button
              key={label}
              type="button"
              className={action.as === "ignore" || action.as === "spam" ? "secondary" : ""}
              disabled={busy || (action.as === "transfer" && !toAccount.trim())}
              onClick={() =>
                onDecide(
                  item,
                  action.as === "transfer" ? { ...action, to: toAccount.trim() } : action,
                  allLikeThis ? rule : undefined,
                )
              }
            >
              {label}
            </button>
          ))}
        </div>
      </fieldset>
    </article>
  );
};

const DecisionsList = () => {
  const client = useQueryClient();
  const decisions = useQuery({
    queryKey: ["review", "decisions"],
    queryFn: () => apiGet<{ decisions: Decision[] }>("/v1/review/decisions"),
  });
  const undo = useMutation({
    mutationFn: (id: number) => apiSend("DELETE", `/v1/review/decisions/${id}`),
    onSuccess: () => client.invalidateQueries({ queryKey: ["review"] }),
  });
  if (!decisions.data?.decisions.length) return null;
  return (
    <section className="card" aria-labelledby="decisions-title">
      <h2 id="decisions-title">Your decisions and rules</h2>
      <ErrorNote error={undo.error} />
      <ul className="runs">
        {decisions.data.decisions.map((d) => (
          <li key={d.id}>
            <span>
              {d.tx ? (
                <>
                  <code>{shortAddress(d.tx)}</code> as <strong>{d.action.as}</strong>
                </>
              ) : (
                <>
                  Rule:{" "}
                  {Object.entries(d.rule ?? {})
                    .map(([k, v]) => `${k} ${k === "counterparty" ? shortAddress(String(v)) : v}`)
                    .join(", ")}{" "}
                  → <strong>{d.action.as}</strong>
                </>
              )}
              {d.action.subtype ? ` (${d.action.subtype})` : ""}
              {d.action.to ? ` to ${d.action.to}` : ""} <span className="muted">{dateTime(d.createdAt)}</span>
            </span>
            <button type="button" className="secondary" onClick={() => undo.mutate(d.id)}>
              Undo<span className="sr-only"> decision {d.id}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
};

export const ReviewPage = () => {
  const client = useQueryClient();
  const { year, method, scope } = useOptions();
  const gq = { year, method, scope };
  const items = useQuery({
    queryKey: ["review", "items"],
    queryFn: () => apiGet<{ items: ReviewItem[]; total: number }>("/v1/review/items?status=open&limit=100"),
  });
  const [effect, setEffect] = useState<Effect | undefined>();
  const summary = () => apiGet<SummaryResponse>(`/v1/gains/summary${qs(gq)}`).then((r) => r.summary);

  const decide = useMutation({
    mutationFn: async (args: { item: ReviewItem; action: Action; rule?: Decision["rule"] }) => {
      const before = await summary();
      if (args.rule)
        await apiSend("POST", "/v1/review/rules", { json: { match: args.rule, action: args.action } });
      else await apiSend("POST", "/v1/review/decisions", { json: { tx: args.item.tx, ...args.action } });
      // The decision queued a ledger rebuild; it has run once the item left the open queue.
      let resolved = false;
      for (let i = 0; i < 120 && !resolved; i++) {
        await sleep(i < 10 ? 300 : 1000);
        const open = await apiGet<{ items: ReviewItem[] }>("/v1/review/items?status=open&limit=500");
        resolved = !open.items.some((x) => x.tx === args.item.tx && x.reason === args.item.reason);
      }
      let after = await summary();
      // Read until two answers agree, so a rebuild still writing rows is not caught half-way.
      for (let i = 0; i < 10; i++) {
        await sleep(400);
        const again = await summary();
        if (JSON.stringify(again) === JSON.stringify(after)) break;
        after = again;
      }
      const what = `${shortAddress(args.item.tx)} decided as ${args.action.as}${args.action.subtype ? ` (${args.action.subtype})` : ""}${args.rule ? ", with every transaction like it" : ""}`;
      return { what, year, before, after, resolved } satisfies Effect;
    },
    onSuccess: (e) => {
      setEffect(e);
      client.invalidateQueries({ queryKey: ["review"] });
      client.invalidateQueries({ queryKey: ["gains"] });
      client.invalidateQueries({ queryKey: ["ledger"] });
    },
  });

  return (
    <Page
      title="Review"
      intro="What lotwise was unsure about. Each decision rebuilds the ledger; the effect on the year's gains shows here."
    >
      <OptionsBar idPrefix="review" />
      {decide.isPending ? (
        <p role="status" className="effect">
          Applying the decision and rebuilding the ledger…
        </p>
      ) : effect ? (
        <EffectNote e={effect} />
      ) : null}
      <ErrorNote error={decide.error ?? items.error} />
      {items.isPending ? (
        <Loading what="the review queue" />
      ) : items.data?.items.length ? (
        <>
          <p>
            {items.data.total} open item{items.data.total === 1 ? "" : "s"}
          </p>
          {items.data.items.map((item) => (
            <ItemCard
              key={`${item.tx}-${item.reason}`}
              item={item}
              busy={decide.isPending}
              onDecide={(i, action, rule) => decide.mutate({ item: i, action, ...(rule ? { rule } : {}) })}
            />
          ))}
        </>
      ) : (
        <p className="card">Nothing to review: every transaction is classified.</p>
      )}
      <DecisionsList />
    </Page>
  );
};
