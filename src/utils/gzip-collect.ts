import { createGzip, type Gzip } from "node:zlib";

/**
 * Gzip into memory (level 1: fastest, on libuv's thread pool): write the bytes to `stream`, end
 * it, and `done` gives the whole compressed output (rejects when the stream fails; a stream
 * destroyed unread rejects nobody: `done` has a handler).
 */
export const createGzipCollector = (): { stream: Gzip; done: Promise<Buffer> } => {
  const stream = createGzip({ level: 1 });
  const out: Buffer[] = [];
  stream.on("data", (b: Buffer) => out.push(b));
  const done = new Promise<Buffer>((resolve, reject) => {
    stream.on("end", () => resolve(Buffer.concat(out)));
    stream.on("error", reject);
  });
  done.catch(() => {});
  return { stream, done };
};
