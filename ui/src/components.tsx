import type { ReactNode } from "react";
import { ApiError } from "./api.ts";

/** A page's heading and body; the heading takes focus-by-skip-link and names the region. */
export const Page = ({
  title,
  intro,
  children,
}: {
  title: string;
  intro?: ReactNode;
  children: ReactNode;
}) => (
  <section aria-labelledby="page-title">
    <h1 id="page-title" tabIndex={-1}>
      {title}
    </h1>
    {intro ? <p className="intro">{intro}</p> : null}
    {children}
  </section>
);

export const ErrorNote = ({ error }: { error: unknown }) =>
  error ? (
    <p role="alert" className="error">
      {error instanceof ApiError
        ? `${error.message} (${error.code})`
        : String((error as Error).message ?? error)}
    </p>
  ) : null;

export const Loading = ({ what }: { what: string }) => (
  <p role="status" className="muted">
    Loading {what}…
  </p>
);

/** A horizontally scrollable table container that keyboard users can scroll (focusable, labelled). */
export const TableWrap = ({ label, children }: { label: string; children: ReactNode }) => (
  // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
  <section className="table-wrap" aria-label={label} tabIndex={0}>
    {children}
  </section>
);

/** A labelled key figure. */
export const Figure = ({ label, value, tone }: { label: string; value: string; tone?: "gain" | "loss" }) => (
  <div className="figure">
    <dt>{label}</dt>
    <dd className={tone}>{value}</dd>
  </div>
);

export const tone = (s: string | undefined): "gain" | "loss" | undefined =>
  s === undefined ? undefined : s.startsWith("-") ? "loss" : /[1-9]/.test(s) ? "gain" : undefined;
