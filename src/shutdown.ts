/**
 * Shutdown registry: one AbortController plus close callbacks, run in reverse order of
 * registration. Every pool, timer, worker and child process registers its close here.
 */
export type Shutdown = {
  /** Aborted when shutdown starts; pass it to long-running work. */
  signal: AbortSignal;
  add: (name: string, close: () => Promise<void> | void) => void;
  /** Runs every close once; later calls return the same promise. */
  close: () => Promise<void>;
  isClosing: () => boolean;
};

export const createShutdown = (args: { onError?: (name: string, error: unknown) => void } = {}): Shutdown => {
  const controller = new AbortController();
  const callbacks: { name: string; close: () => Promise<void> | void }[] = [];
  let closing: Promise<void> | undefined;
  return {
    signal: controller.signal,
    add: (name, close) => {
      callbacks.push({ name, close });
    },
    isClosing: () => closing !== undefined,
    close: () => {
      closing ??= (async () => {
        controller.abort();
        for (const cb of callbacks.reverse()) {
          try {
            await cb.close();
          } catch (error) {
            args.onError?.(cb.name, error);
          }
        }
      })();
      return closing;
    },
  };
};
