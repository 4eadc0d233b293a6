/**
 * The fetch floor of a sync benchmark: the time to send the same JSON-RPC HTTP bodies the sync
 * sent, as many at a time, and parse the answers — what fetching alone costs, with nothing
 * normalized or stored. A sync is reported as a ratio of it (issue 15: "at most 1.5× the time to
 * fetch the same …").
 */
import { postObservers } from "../chains/http-post.ts";

/**
 * Records the string bodies POSTed to `url` while `section` runs: JSON-RPC exchanges of the
 * transport (`node:http`, chains/http-post.ts) and requests through `globalThis.fetch` (client
 * libraries: web3.js through the transport's `fetch`).
 */
export const recordingPosts = async <T>(
  url: string,
  section: () => Promise<T>,
): Promise<{ result: T; bodies: string[] }> => {
  const bodies: string[] = [];
  const observe = (to: string, body: string) => {
    if (to === url) bodies.push(body);
  };
  postObservers.add(observe);
  const realFetch = globalThis.fetch;
  globalThis.fetch = (async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    if (String(input) === url && typeof init?.body === "string") bodies.push(init.body);
    return realFetch(input, init);
  }) as typeof fetch;
  try {
    return { result: await section(), bodies };
  } finally {
    postObservers.delete(observe);
    globalThis.fetch = realFetch;
  }
};

/** Seconds to POST `bodies` to `url` again, `concurrency` at a time, each answer read and parsed. */
export const fetchFloor = async (
  url: string,
  bodies: readonly string[],
  concurrency: number,
): Promise<number> => {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, bodies.length) }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
        JSON.parse(await res.text());
      }
    }),
  );
  return (performance.now() - started) / 1000;
};
