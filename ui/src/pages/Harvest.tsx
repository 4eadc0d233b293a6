import { Page } from "../components.tsx";

export const HarvestPage = () => <Page title="Harvest">Not built yet.</Page>;
