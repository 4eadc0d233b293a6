/**
 * A real browser for the dashboard tests: Debian's `chromium` package driven by playwright-core
 * (no browser download). `.ci/run` installs the package when it is missing; a missing browser fails
 * the test with a message saying so (never a skip).
 */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM = process.env.LOTWISE_TEST_CHROMIUM ?? "/usr/bin/chromium";

/** Screenshots and downloads of the browser tests (git-ignored). */
export const ARTIFACTS = path.resolve(import.meta.dirname, "artifacts");

export const launchBrowser = async (): Promise<Browser> => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    // Root in a container has no user namespaces for Chromium's sandbox.
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run"],
  });
};
