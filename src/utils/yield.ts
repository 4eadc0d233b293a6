/**
 * Resolves after the event loop's next turn (`setImmediate`): pending I/O callbacks run first.
 * PGlite runs each statement synchronously on the calling thread, and a chain of awaited
 * statements settles as microtasks only, never returning to the event loop; without such a turn
 * between them, network answers (a sync's next chunk or page) and worker threads' replies wait
 * until the whole chain ends, so fetching and storing run one after the other instead of side
 * by side.
 */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
