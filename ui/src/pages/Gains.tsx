import { Page } from "../components.tsx";

export const GainsPage = () => <Page title="Gains">Not built yet.</Page>;
