import { Page } from "../components.tsx";

export const ReportsPage = () => <Page title="Reports">Not built yet.</Page>;
