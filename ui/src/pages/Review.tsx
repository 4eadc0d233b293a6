import { Page } from "../components.tsx";

export const ReviewPage = () => <Page title="Review">Not built yet.</Page>;
