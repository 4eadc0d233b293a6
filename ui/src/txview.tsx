import { useQuery } from "@tanstack/react-query";
import { apiGet, qs } from "./api.ts";
import { ErrorNote, TableWrap } from "./components.tsx";
import { dateTime, shortAddress } from "./format.ts";
import type { TxDetail } from "./types.ts";

export const useTx = (tx: string) =>
  useQuery({ queryKey: ["tx", tx], queryFn: () => apiGet<TxDetail>(`/v1/review/transaction${qs({ tx })}`) });

/** A transaction's movements in the user's wallets and its explorer link (GET /v1/review/transaction). */
export const TxView = ({ tx }: { tx: string }) => {
  const q = useTx(tx);
  if (q.error) return <ErrorNote error={q.error} />;
  const d = q.data;
  if (!d) return <p className="muted small">Loading the transaction…</p>;
  return (
    <div className="tx">
      <p className="small">
        <code>{d.hash}</code> · {dateTime(d.time)}
        {d.status === "failed" ? <span className="error"> · failed</span> : null}
        {d.classification ? (
          <span className="muted">
            {" "}
            · classified {d.classification.kind} ({d.classification.source})
          </span>
        ) : null}{" "}
        {d.explorerUrl ? (
          <a href={d.explorerUrl} target="_blank" rel="noreferrer noopener">
            View on explorer<span className="sr-only"> (opens a new tab)</span>
          </a>
        ) : (
          <span className="muted">(no public explorer for {d.chain})</span>
        )}
      </p>
      {d.movements.length ? (
        <TableWrap label={`Movements of ${d.hash}`}>
          <table className="compact">
            <thead>
              <tr>
                <th scope="col">Wallet</th>
                <th scope="col">Direction</th>
                <th scope="col" className="num">
                  Quantity
                </th>
                <th scope="col">Asset</th>
                <th scope="col">Counterparty</th>
                <th scope="col">Evidence</th>
              </tr>
            </thead>
            <tbody>
              {d.movements.map((m) => (
                <tr
                  key={`${m.wallet}-${m.evidence}-${m.asset}-${m.direction}-${m.quantity}-${m.counterparty}`}
                >
                  <td>
                    <code title={m.wallet}>{shortAddress(m.wallet)}</code>
                    {m.label ? ` (${m.label})` : ""}
                  </td>
                  <td>{m.direction === "in" ? "received" : "sent"}</td>
                  <td className="num">
                    {m.quantity}
                    {m.decimalsKnown ? "" : " (raw units)"}
                  </td>
                  <td>{m.symbol ?? <code>{m.asset}</code>}</td>
                  <td>{m.counterparty ? <code>{m.counterparty}</code> : "—"}</td>
                  <td>{m.evidence}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      ) : (
        <p className="muted small">No movement in your wallets.</p>
      )}
    </div>
  );
};
