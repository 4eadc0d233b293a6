import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useRef, useState } from "react";
import { apiGet, apiSend, qs } from "../api.ts";
import { ErrorNote, Loading, TableWrap } from "../components.tsx";
import { IMPORT_FORMAT_CHOICES } from "../import-formats.ts";

/**
 * Exchange and tax-tool exports on the Wallets page: upload one into an exchange account
 * (`PUT /v1/imports/{account}`, as `lotwise import FILE --account NAME`), see each account's row
 * count (`GET /v1/imports`) and remove an account with its rows. The same file twice adds nothing;
 * an edited export replaces what changed; a bad row stores nothing and its `FILE:LINE: column:
 * problem` shows under the form.
 */

type Account = { name: string; family: string; rows: number };
type ImportResult = {
  account: string;
  format: string;
  label: string;
  detected: boolean;
  rows: number;
  added: number;
  replaced: number;
  unchanged: number;
  removed: number;
};

/** What the upload did, as the CLI says it. */
const summary = (file: string, r: ImportResult): string =>
  `${file}: ${r.detected ? "detected" : "read as"} ${r.label}; ${r.rows} rows into ${r.account}: ` +
  `${r.added} added, ${r.replaced} replaced, ${r.unchanged} unchanged` +
  `${r.removed ? `, ${r.removed} removed` : ""}. The ledger is being rebuilt.`;

const AccountRow = ({ a }: { a: Account }) => {
  const client = useQueryClient();
  const remove = useMutation({
    mutationFn: () => apiSend("DELETE", `/v1/imports/${encodeURIComponent(a.name)}`),
    onSuccess: () => {
      client.invalidateQueries({ queryKey: ["imports"] });
      client.invalidateQueries({ queryKey: ["wallets"] });
      client.invalidateQueries({ queryKey: ["gains"] });
      client.invalidateQueries({ queryKey: ["ledger"] });
    },
  });
  return (
    <tr>
      <td>
        <code>{a.name}</code>
      </td>
      <td>{a.family}</td>
      <td className="num">{a.rows.toLocaleString("en-US")}</td>
      <td>
        <button
          type="button"
          className="danger"
          aria-label={`Remove ${a.name}`}
          disabled={remove.isPending}
          onClick={() => {
            if (window.confirm(`Remove ${a.name} and its ${a.rows} imported rows?`)) remove.mutate();
          }}
        >
          Remove
        </button>
        <ErrorNote error={remove.error} />
      </td>
    </tr>
  );
};

export const ExchangeImports = () => {
  const client = useQueryClient();
  const file = useRef<HTMLInputElement>(null);
  const [account, setAccount] = useState("");
  const [format, setFormat] = useState("auto");
  const accounts = useQuery({
    queryKey: ["imports"],
    queryFn: () => apiGet<{ accounts: Account[] }>("/v1/imports"),
  });
  const upload = useMutation({
    mutationFn: async () => {
      const f = file.current?.files?.[0];
      if (!f) throw new Error("choose the export's CSV file");
      const r = await apiSend<ImportResult>(
        "PUT",
        `/v1/imports/${encodeURIComponent(account.trim())}${qs({ format, file: f.name })}`,
        { text: await f.text(), type: "text/csv" },
      );
      return { file: f.name, r };
    },
    onSuccess: () => {
      client.invalidateQueries({ queryKey: ["imports"] });
      client.invalidateQueries({ queryKey: ["wallets"] });
      client.invalidateQueries({ queryKey: ["gains"] });
      client.invalidateQueries({ queryKey: ["review"] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    upload.mutate();
  };
  return (
    <section className="card" aria-labelledby="imports-title">
      <h2 id="imports-title">Exchange exports</h2>
      <p className="muted">
        Upload an exchange's or tax tool's CSV export into an exchange account, such as{" "}
        <code>coinbase:main</code>: its buys, sales, rewards and withdrawals join your ledger, and withdrawals
        to your wallets carry their basis. Uploading the same file again adds nothing; a later or edited
        export replaces what changed.
      </p>
      <form onSubmit={submit} aria-label="Upload an exchange export">
        <div className="row">
          <div>
            <label htmlFor="export-file">Export CSV file</label>
            <input id="export-file" type="file" accept=".csv,text/csv" ref={file} required />
          </div>
          <div>
            <label htmlFor="export-account">Exchange account</label>
            <input
              id="export-account"
              list="export-accounts"
              value={account}
              onChange={(e) => setAccount(e.target.value)}
              placeholder="coinbase:main"
              spellCheck={false}
              autoCapitalize="off"
              required
            />
            <datalist id="export-accounts">
              {(accounts.data?.accounts ?? []).map((a) => (
                <option key={a.name} value={a.name} />
              ))}
            </datalist>
          </div>
          <div>
            <label htmlFor="export-format">Format</label>
            <select id="export-format" value={format} onChange={(e) => setFormat(e.target.value)}>
              {IMPORT_FORMAT_CHOICES.map(([name, what]) => (
                <option key={name} value={name}>
                  {name} ({what})
                </option>
              ))}
            </select>
          </div>
        </div>
        <button type="submit" disabled={upload.isPending}>
          {upload.isPending ? "Importing…" : "Import"}
        </button>
        {upload.data ? <p role="status">{summary(upload.data.file, upload.data.r)}</p> : null}
        <ErrorNote error={upload.error} />
      </form>
      {accounts.isPending ? (
        <Loading what="exchange accounts" />
      ) : accounts.data?.accounts.length ? (
        <TableWrap label="Exchange accounts">
          <table>
            <thead>
              <tr>
                <th scope="col">Account</th>
                <th scope="col">Exchange</th>
                <th scope="col" className="num">
                  Rows
                </th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {accounts.data.accounts.map((a) => (
                <AccountRow key={a.name} a={a} />
              ))}
            </tbody>
          </table>
        </TableWrap>
      ) : (
        <p className="muted">No exchange export imported yet.</p>
      )}
      <ErrorNote error={accounts.error} />
    </section>
  );
};
