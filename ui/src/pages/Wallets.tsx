import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useMemo, useState } from "react";
import { apiGet, apiSend } from "../api.ts";
import { ErrorNote, Loading, Page, TableWrap } from "../components.tsx";
import { dateTime } from "../format.ts";
import { chainNames, KNOWN_CHAINS, parsePaste } from "../paste.ts";
import { SyncProgress } from "../sync.tsx";
import type { SyncRun, Wallet } from "../types.ts";
import { ExchangeImports } from "./imports.tsx";

const PasteForm = () => {
  const client = useQueryClient();
  const [text, setText] = useState("");
  const [evmChain, setEvmChain] = useState("ethereum");
  const [label, setLabel] = useState("");
  const [kind, setKind] = useState<"own" | "exchange">("own");
  // Every chain name the server accepts (viem's ~750 chains): until it loads, the short names.
  const chains = useQuery({
    queryKey: ["chains"],
    queryFn: () =>
      apiGet<{ chains: { id: string; name: string; chainId: number | null; viemName: string | null }[] }>(
        "/v1/chains",
      ),
    staleTime: Number.POSITIVE_INFINITY,
  });
  const names = useMemo(() => (chains.data ? chainNames(chains.data.chains) : undefined), [chains.data]);
  const items = useMemo(() => parsePaste(text, evmChain, names), [text, evmChain, names]);
  const bad = items.filter((i) => i.problem);
  const add = useMutation({
    mutationFn: () =>
      apiSend<{ wallets: Wallet[]; added: number; existing: number }>("POST", "/v1/wallets", {
        json: {
          wallets: items.map((i) => i.spec!),
          ...(label.trim() ? { label: label.trim() } : {}),
          kind,
        },
      }),
    onSuccess: () => {
      setText("");
      client.invalidateQueries({ queryKey: ["wallets"] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (items.length && !bad.length) add.mutate();
  };
  return (
    <form onSubmit={submit} className="card" aria-labelledby="paste-title">
      <h2 id="paste-title">Add wallets</h2>
      <label htmlFor="paste">Addresses — paste many at once (one per line; chain:address or bare)</label>
      <textarea
        id="paste"
        rows={5}
        value={text}
        onChange={(e) => setText(e.target.value)}
        spellCheck={false}
        autoCapitalize="off"
        aria-describedby="paste-check"
        placeholder={"0x70997970C51812dc3A010C7d01b50e0d17dc79C8\nbase:0x…\nsolana:9WzDX…"}
      />
      <div className="row">
        <div>
          <label htmlFor="evm-chain">Chain of bare 0x addresses</label>
          <input
            id="evm-chain"
            list="chain-names"
            value={evmChain}
            onChange={(e) => setEvmChain(e.target.value)}
            spellCheck={false}
          />
          <datalist id="chain-names">
            {KNOWN_CHAINS.filter((c) => c !== "solana").map((c) => (
              <option key={c} value={c} />
            ))}
          </datalist>
        </div>
        <div>
          <label htmlFor="wallet-kind">Kind</label>
          <select
            id="wallet-kind"
            value={kind}
            onChange={(e) => setKind(e.target.value as "own" | "exchange")}
          >
            <option value="own">my wallet</option>
            <option value="exchange">exchange deposit address</option>
          </select>
        </div>
        <div>
          <label htmlFor="wallet-label">
            {kind === "exchange" ? "Exchange account (required)" : "Label (optional)"}
          </label>
          <input
            id="wallet-label"
            value={label}
            onChange={(e) => setLabel(e.target.value)}
            placeholder={kind === "exchange" ? "coinbase:main" : "hardware wallet"}
            required={kind === "exchange"}
          />
        </div>
      </div>
      <div id="paste-check" aria-live="polite">
        {items.length ? (
          <ul className="paste-check">
            {items.map((i, n) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: the same text may be pasted twice
              <li key={n} className={i.problem ? "bad" : "ok"}>
                <span aria-hidden="true">{i.problem ? "✗" : "✓"}</span> <code>{i.input}</code>{" "}
                {i.problem ? (
                  <span className="error">{i.problem}</span>
                ) : (
                  <span className="muted">{i.chain}</span>
                )}
              </li>
            ))}
          </ul>
        ) : null}
        {items.length ? (
          <p className="muted">
            {items.length - bad.length} valid, {bad.length} to fix
          </p>
        ) : null}
      </div>
      <button type="submit" disabled={!items.length || bad.length > 0 || add.isPending}>
        {add.isPending ? "Adding…" : `Add ${items.length || ""} wallet${items.length === 1 ? "" : "s"}`}
      </button>
      {add.data ? (
        <p role="status">
          Added {add.data.added}, already there {add.data.existing}.
        </p>
      ) : null}
      <ErrorNote error={add.error} />
    </form>
  );
};

const WalletRow = ({ w, lastState }: { w: Wallet; lastState?: string }) => {
  const client = useQueryClient();
  const [label, setLabel] = useState(w.label);
  const id = useId();
  const save = useMutation({
    mutationFn: () => apiSend("PATCH", `/v1/wallets/${w.id}`, { json: { label } }),
    onSuccess: () => client.invalidateQueries({ queryKey: ["wallets"] }),
  });
  const remove = useMutation({
    mutationFn: () => apiSend("DELETE", `/v1/wallets/${w.id}`),
    onSuccess: () => client.invalidateQueries({ queryKey: ["wallets"] }),
  });
  return (
    <tr>
      <td>
        <code className="addr">{w.address}</code>
      </td>
      <td>{w.chain}</td>
      <td>{w.kind === "exchange" ? "exchange" : "own"}</td>
      <td>
        <form
          className="inline"
          onSubmit={(e) => {
            e.preventDefault();
            save.mutate();
          }}
        >
          <label htmlFor={`${id}-label`} className="sr-only">
            Label of {w.wallet}
          </label>
          <input id={`${id}-label`} value={label} onChange={(e) => setLabel(e.target.value)} />
          {label !== w.label ? (
            <button type="submit" disabled={save.isPending}>
              Save
            </button>
          ) : null}
        </form>
        <ErrorNote error={save.error ?? remove.error} />
      </td>
      <td>{lastState ? <span className={`state state-${lastState}`}>{lastState}</span> : "—"}</td>
      <td>
        <button
          type="button"
          className="danger"
          aria-label={`Remove ${w.wallet}`}
          onClick={() => {
            if (window.confirm(`Remove ${w.wallet} and its synced data?`)) remove.mutate();
          }}
        >
          Remove
        </button>
      </td>
    </tr>
  );
};

export const WalletsPage = () => {
  const client = useQueryClient();
  const wallets = useQuery({
    queryKey: ["wallets"],
    queryFn: () => apiGet<{ wallets: Wallet[] }>("/v1/wallets"),
  });
  const runs = useQuery({
    queryKey: ["runs"],
    queryFn: () => apiGet<{ runs: SyncRun[] }>("/v1/sync/runs?limit=5"),
  });
  const [watching, setWatching] = useState<number | undefined>();
  const latest = runs.data?.runs[0];
  const live =
    watching ??
    (latest && (latest.status === "queued" || latest.status === "running") ? latest.id : undefined);
  const start = useMutation({
    mutationFn: () => apiSend<SyncRun>("POST", "/v1/sync", { json: {} }),
    onSuccess: (run) => {
      setWatching(run.id);
      client.invalidateQueries({ queryKey: ["runs"] });
    },
  });
  const retry = useMutation({
    mutationFn: (id: number) => apiSend<SyncRun>("POST", `/v1/sync/runs/${id}/retry`),
    onSuccess: (run) => {
      setWatching(run.id);
      client.invalidateQueries({ queryKey: ["runs"] });
    },
  });
  const stateOf = new Map(latest?.wallets.map((w) => [w.walletId, w.state]) ?? []);
  return (
    <Page
      title="Wallets"
      intro="Your addresses, exchange deposit addresses and exchange exports. Paste addresses, then sync: each wallet's progress shows live. Upload each exchange's CSV export into its account."
    >
      <PasteForm />
      <section className="card" aria-labelledby="wallets-title">
        <div className="card-head">
          <h2 id="wallets-title">Your wallets</h2>
          <button
            type="button"
            onClick={() => start.mutate()}
            disabled={start.isPending || !wallets.data?.wallets.length}
          >
            Sync all wallets
          </button>
        </div>
        <ErrorNote error={start.error ?? retry.error ?? wallets.error} />
        {live !== undefined ? <SyncProgress runId={live} /> : null}
        {wallets.isPending ? (
          <Loading what="wallets" />
        ) : wallets.data?.wallets.length ? (
          <TableWrap label="Wallets">
            <table>
              <thead>
                <tr>
                  <th scope="col">Address</th>
                  <th scope="col">Chain</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Label / account</th>
                  <th scope="col">Last sync</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {wallets.data.wallets.map((w) => (
                  <WalletRow key={w.id} w={w} lastState={stateOf.get(w.id)} />
                ))}
              </tbody>
            </table>
          </TableWrap>
        ) : (
          <p className="muted">No wallets yet: paste some above.</p>
        )}
      </section>
      <ExchangeImports />
      <section className="card" aria-labelledby="runs-title">
        <h2 id="runs-title">Recent syncs</h2>
        {runs.data?.runs.length ? (
          <ul className="runs">
            {runs.data.runs.map((r) => (
              <li key={r.id}>
                <span>
                  Run {r.id} ({r.trigger}) {dateTime(r.createdAt)}:{" "}
                  <span className={`state state-${r.status}`}>{r.status}</span>
                </span>
                {r.wallets
                  .filter((w) => w.error)
                  .map((w) => (
                    <span key={w.walletId} className="error small">
                      {w.wallet}: {w.error}
                    </span>
                  ))}
                {r.status === "partial" || r.status === "failed" ? (
                  <button type="button" onClick={() => retry.mutate(r.id)}>
                    Retry failed wallets
                  </button>
                ) : null}
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">No sync yet.</p>
        )}
      </section>
    </Page>
  );
};
