/**
 * Lets pending I/O run: PGlite executes each statement on the caller's thread and a chain of
 * statements never returns to the event loop (their promises settle as microtasks), so HTTP
 * answers, worker-thread replies and the requests waiting for their slots would sit until the
 * whole write is done. A sync awaits this between statements to keep its node busy meanwhile.
 */
export const yieldToIo = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));
