import { useEffect, useState } from "react";

/** Pages, in navigation order. Hash routes (`#/ledger`) need nothing from the server. */
export const PAGES = [
  { path: "wallets", title: "Wallets" },
  { path: "review", title: "Review" },
  { path: "ledger", title: "Ledger" },
  { path: "gains", title: "Gains" },
  { path: "forms", title: "1099-DA" },
  { path: "harvest", title: "Harvest" },
  { path: "reports", title: "Reports" },
] as const;

export type PagePath = (typeof PAGES)[number]["path"];

const current = (): PagePath => {
  const p = window.location.hash.replace(/^#\/?/, "").split("?")[0];
  return (PAGES.find((x) => x.path === p)?.path ?? "wallets") as PagePath;
};

export const useRoute = (): PagePath => {
  const [page, setPage] = useState(current);
  useEffect(() => {
    const on = () => setPage(current());
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return page;
};
