/** vitest setup: block the internet in every test file and fail any test that tried to reach it. */
import { afterEach } from "vitest";
// @ts-expect-error plain JavaScript module (also loaded by CLI children without TypeScript)
import { blockedConnections } from "./no-network.mjs";

afterEach(() => {
  const tried = (blockedConnections as string[]).splice(0);
  if (tried.length > 0) throw new Error(`this test tried to reach the internet: ${tried.join(", ")}`);
});
