import { Page } from "../components.tsx";

export const FormsPage = () => <Page title="1099-DA">Not built yet.</Page>;
