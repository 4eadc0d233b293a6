import { createContext, type ReactNode, useContext, useMemo, useState } from "react";

/** The gains options every page shares: tax year, lot method and scope (docs/tax-engine.md). */
export type GainsOptions = {
  year: number;
  method: "fifo" | "lifo" | "hifo";
  scope: "transition" | "universal" | "wallet";
};

type Ctx = GainsOptions & { set: (o: Partial<GainsOptions>) => void };

const OptionsContext = createContext<Ctx | undefined>(undefined);

const STORE = "lotwise.gainsOptions";

export const OptionsProvider = ({ children }: { children: ReactNode }) => {
  const [opts, setOpts] = useState<GainsOptions>(() => {
    const saved = sessionStorage.getItem(STORE);
    const fallback: GainsOptions = {
      year: new Date().getUTCFullYear() - 1,
      method: "fifo",
      scope: "transition",
    };
    return saved ? { ...fallback, ...(JSON.parse(saved) as Partial<GainsOptions>) } : fallback;
  });
  const value = useMemo<Ctx>(
    () => ({
      ...opts,
      set: (o) =>
        setOpts((prev) => {
          const next = { ...prev, ...o };
          sessionStorage.setItem(STORE, JSON.stringify(next));
          return next;
        }),
    }),
    [opts],
  );
  return <OptionsContext.Provider value={value}>{children}</OptionsContext.Provider>;
};

export const useOptions = (): Ctx => {
  const c = useContext(OptionsContext);
  if (!c) throw new Error("useOptions outside OptionsProvider");
  return c;
};

export const YEARS = Array.from(
  { length: new Date().getUTCFullYear() - 2009 + 1 },
  (_, i) => new Date().getUTCFullYear() - i,
);

/** Year, method and scope switches (labelled selects). */
export const OptionsBar = ({ idPrefix }: { idPrefix: string }) => {
  const o = useOptions();
  return (
    <fieldset className="options">
      <legend className="sr-only">Tax year, method and scope</legend>
      <label htmlFor={`${idPrefix}-year`}>Tax year</label>
      <select
        id={`${idPrefix}-year`}
        value={o.year}
        onChange={(e) => o.set({ year: Number(e.target.value) })}
      >
        {YEARS.map((y) => (
          <option key={y} value={y}>
            {y}
          </option>
        ))}
      </select>
      <label htmlFor={`${idPrefix}-method`}>Method</label>
      <select
        id={`${idPrefix}-method`}
        value={o.method}
        onChange={(e) => o.set({ method: e.target.value as GainsOptions["method"] })}
      >
        <option value="fifo">FIFO</option>
        <option value="lifo">LIFO</option>
        <option value="hifo">HIFO</option>
      </select>
      <label htmlFor={`${idPrefix}-scope`}>Scope</label>
      <select
        id={`${idPrefix}-scope`}
        value={o.scope}
        onChange={(e) => o.set({ scope: e.target.value as GainsOptions["scope"] })}
      >
        <option value="transition">transition (per wallet from 2025)</option>
        <option value="universal">universal</option>
        <option value="wallet">per wallet</option>
      </select>
    </fieldset>
  );
};
