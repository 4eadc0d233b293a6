import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { ApiError, apiGet, getKey, setKey } from "./api.ts";
import { ErrorNote } from "./components.tsx";
import { OptionsProvider } from "./options.tsx";
import { FormsPage } from "./pages/Forms.tsx";
import { GainsPage } from "./pages/Gains.tsx";
import { HarvestPage } from "./pages/Harvest.tsx";
import { LedgerPage } from "./pages/Ledger.tsx";
import { ReportsPage } from "./pages/Reports.tsx";
import { ReviewPage } from "./pages/Review.tsx";
import { WalletsPage } from "./pages/Wallets.tsx";
import { PAGES, type PagePath, useRoute } from "./route.ts";
import type { Me } from "./types.ts";

const Login = ({ onLogin }: { onLogin: (key: string) => void }) => {
  const [key, setValue] = useState("");
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await apiGet<Me>("/v1/me", key.trim());
      onLogin(key.trim());
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 401
          ? new Error("That API key is not valid (or was revoked).")
          : err,
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" className="login">
      <h1>lotwise</h1>
      <p className="intro">
        Sign in with your API key (<code>lotwise users create NAME</code> prints one). It is kept in this tab
        only and forgotten when you close it.
      </p>
      <form onSubmit={submit}>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="current-password"
          value={key}
          onChange={(e) => setValue(e.target.value)}
          placeholder="lw_…"
          required
        />
        <button type="submit" disabled={busy || !key.trim()}>
          {busy ? "Checking…" : "Sign in"}
        </button>
      </form>
      <ErrorNote error={error} />
    </main>
  );
};

const PAGE_OF: Record<PagePath, () => React.JSX.Element> = {
  wallets: WalletsPage,
  review: ReviewPage,
  ledger: LedgerPage,
  gains: GainsPage,
  forms: FormsPage,
  harvest: HarvestPage,
  reports: ReportsPage,
};

export const App = () => {
  const [key, setState] = useState(getKey);
  const client = useQueryClient();
  const page = useRoute();
  const mainRef = useRef<HTMLElement>(null);
  useEffect(() => {
    const out = () => {
      setKey(null);
      setState(null);
      client.clear();
    };
    window.addEventListener("lotwise:unauthorized", out);
    return () => window.removeEventListener("lotwise:unauthorized", out);
  }, [client]);
  const me = useQuery({ queryKey: ["me", key], queryFn: () => apiGet<Me>("/v1/me"), enabled: !!key });

  if (!key)
    return (
      <Login
        onLogin={(k) => {
          setKey(k);
          setState(k);
        }}
      />
    );
  const Current = PAGE_OF[page];
  return (
    <OptionsProvider>
      <button type="button" className="skip" onClick={() => mainRef.current?.focus()}>
        Skip to content
      </button>
      <header className="top">
        <span className="brand">lotwise</span>
        <nav aria-label="Pages">
          <ul>
            {PAGES.map((p) => (
              <li key={p.path}>
                <a href={`#/${p.path}`} aria-current={p.path === page ? "page" : undefined}>
                  {p.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span className="user">
          <span className="sr-only">Signed in as </span>
          {me.data?.name ?? ""}
          <button
            type="button"
            className="link"
            onClick={() => {
              setKey(null);
              setState(null);
              client.clear();
            }}
          >
            Sign out
          </button>
        </span>
      </header>
      <main id="main" ref={mainRef} tabIndex={-1}>
        <Current />
      </main>
    </OptionsProvider>
  );
};
