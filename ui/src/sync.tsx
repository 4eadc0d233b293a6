import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { readEvents } from "./api.ts";
import { shortAddress } from "./format.ts";
import type { SyncRun, WalletEvent } from "./types.ts";

type WalletProgress = {
  wallet: string;
  state: string;
  attempts: number;
  error?: string | null;
  done?: number;
  total?: number;
  unit?: string;
  detail?: string;
  transactions?: number;
};

const FINAL = ["completed", "partial", "failed", "cancelled"];

/**
 * Live progress of one sync run from `GET /v1/sync/runs/{id}/events`: a bar per wallet, the
 * ledger rebuild, then the run's outcome. When the run ends, every page's data is refetched.
 */
export const SyncProgress = ({ runId }: { runId: number }) => {
  const client = useQueryClient();
  const [wallets, setWallets] = useState<Record<number, WalletProgress>>({});
  const [ledger, setLedger] = useState<string>("waiting");
  const [status, setStatus] = useState<string>("queued");
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    const abort = new AbortController();
    setWallets({});
    setLedger("waiting");
    setStatus("queued");
    readEvents(
      `/v1/sync/runs/${runId}/events`,
      ({ event, data }) => {
        if (event === "snapshot") {
          const run = data as SyncRun;
          setStatus(run.status);
          setWallets(
            Object.fromEntries(
              run.wallets.map((w) => [
                w.walletId,
                {
                  wallet: w.wallet,
                  state: w.state,
                  attempts: w.attempts,
                  error: w.error,
                  ...(w.result ? { transactions: w.result.transactions } : {}),
                },
              ]),
            ),
          );
          if (run.status === "completed" || run.status === "partial") setLedger("completed");
        } else if (event === "wallet") {
          const e = data as WalletEvent & { result?: { transactions?: number } };
          setStatus("running");
          setWallets((prev) => {
            const before = prev[e.walletId] ?? { wallet: e.wallet, state: "queued", attempts: 0 };
            const next: WalletProgress = {
              ...before,
              state: e.state === "progress" ? "active" : e.state,
              attempts: e.attempt ?? before.attempts,
            };
            if (e.progress) Object.assign(next, e.progress);
            if (e.error) next.error = e.error;
            if (e.result?.transactions !== undefined) next.transactions = e.result.transactions;
            return { ...prev, [e.walletId]: next };
          });
        } else if (event === "ledger") {
          setLedger((data as { state: string }).state);
        } else if (event === "run") {
          const r = data as { status: string; error?: string };
          setStatus(r.status);
          if (r.error) setError(r.error);
        }
      },
      abort.signal,
    )
      .then(() => client.invalidateQueries())
      .catch((e: Error) => {
        if (!abort.signal.aborted) setError(e.message);
      });
    return () => abort.abort();
  }, [runId, client]);

  const finished = FINAL.includes(status);
  return (
    <div className="sync-progress" aria-live="polite" aria-busy={!finished}>
      <p>
        <strong>Sync run {runId}:</strong> <span className={`state state-${status}`}>{status}</span>
        {finished ? null : " — live"}
      </p>
      <ul className="progress-list">
        {Object.entries(wallets).map(([id, w]) => {
          const pct = w.total ? Math.min(100, Math.round(((w.done ?? 0) / w.total) * 100)) : undefined;
          const value = w.state === "completed" ? 100 : pct;
          return (
            <li key={id}>
              <span className="wallet-name" title={w.wallet}>
                {shortAddress(w.wallet)}
              </span>
              <progress
                max={100}
                {...(value !== undefined ? { value } : {})}
                aria-label={`Sync of ${w.wallet}`}
                aria-valuetext={`${w.state}${value !== undefined ? `, ${value}%` : ""}`}
              />
              <span className={`state state-${w.state}`}>
                {w.state}
                {w.attempts > 1 ? ` (attempt ${w.attempts})` : ""}
                {w.state === "active" && w.total ? ` ${w.done ?? 0}/${w.total} ${w.unit ?? ""}` : ""}
                {w.transactions !== undefined ? ` · ${w.transactions} transactions` : ""}
              </span>
              {w.error ? <span className="error small">{w.error}</span> : null}
            </li>
          );
        })}
      </ul>
      <p>
        Ledger rebuild: <span className={`state state-${ledger}`}>{ledger}</span>
      </p>
      {error ? (
        <p role="alert" className="error">
          {error}
        </p>
      ) : null}
    </div>
  );
};
