import { Page } from "../components.tsx";

export const LedgerPage = () => <Page title="Ledger">Not built yet.</Page>;
