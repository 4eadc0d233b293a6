import { defineConfig } from "vitest/config";
import SlowFirstSequencer from "./test/sequencer.ts";

export default defineConfig({
  test: {
    // Three projects (each inherits everything below, `extends: true`). Two share one process per
    // worker (`isolate: false`): every file in its own process started Vitest and imported the same
    // modules again, about 0.85 s of CPU a file (the 101 unit files: 235 → 149 s of CPU; 9 small
    // e2e files: about 46 → 29 s). No file of those two holds module state a later file could see
    // (no mocks, fake timers or environment changes; databases, servers, chains, browsers and child processes
    // are each file's own and closed in its hooks). A worker reuses its process only for a next
    // file of the same project, so test/sequencer.ts queues each project's files together.
    // - unit: the tests next to the code.
    // - e2e (test/): child processes, browsers and chains, end to end.
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: [
            "src/**/*.test.ts",
            "chains/**/*.test.ts",
            "workers/**/*.test.ts",
            "db/**/*.test.ts",
            "ui/**/*.test.ts",
          ],
          exclude: ["**/*.isolated.test.ts", "**/node_modules/**"],
          isolate: false,
        },
      },
      { extends: true, test: { name: "e2e", include: ["test/**/*.test.ts"], isolate: false } },
      // - isolated: files that mock a module (`vi.mock`), each in a process of its own, so that
      //   no mock reaches, or misses, a module another file already imported (`*.isolated.test.ts`).
      {
        extends: true,
        test: {
          name: "isolated",
          include: ["src/**/*.isolated.test.ts", "chains/**/*.isolated.test.ts"],
          isolate: true,
        },
      },
    ],
    // No test may reach the internet: any non-loopback connection fails the test (test/no-network.mjs).
    // With LOTWISE_TEST_CPU_LOG=<file>, each file's wall and CPU seconds go there (test/cpu-log.ts).
    setupFiles: ["test/setup.ts", "test/cpu-log.ts"],
    // CLI children run dist/ (as users do): rebuilt here first when a source is newer (test/build.ts).
    // Temporary files (test databases, data folders, installs) go to a folder on /dev/shm when it
    // has room, removed at the end of the run (test/scratch-dir.ts).
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // `expect.poll` waits for a condition that must come true (none polls for a negative). Vitest's
    // default gives it 1 s: on a loaded machine the dashboard's pages answer later than that.
    expect: { poll: { timeout: 15_000 } },
    // Two cores: files in two forks; suites that share real services use unique names per test.
    pool: "forks",
    // Slow files first, so no one file runs alone at the end (test/sequencer.ts).
    sequence: { sequencer: SlowFirstSequencer },
    maxWorkers: 2,
  },
});
