/**
 * Writes a large generated text file line by line, in 1 MiB chunks that wait for the stream to
 * drain, under a temporary name renamed into place when complete (a killed run leaves no half file).
 */
import { createWriteStream, renameSync } from "node:fs";

export type LineFile = {
  /** Appends one line (without its newline). */
  line: (text: string) => Promise<void>;
  /** Flushes, closes and renames the file into place. */
  close: () => Promise<void>;
};

export const createLineFile = (file: string): LineFile => {
  const stream = createWriteStream(`${file}.tmp`);
  const write = (s: string) =>
    stream.write(s) ? Promise.resolve() : new Promise<void>((r) => stream.once("drain", r));
  let chunk = "";
  return {
    line: async (text) => {
      chunk += `${text}\n`;
      if (chunk.length > 1 << 20) {
        await write(chunk);
        chunk = "";
      }
    },
    close: async () => {
      await write(chunk);
      await new Promise<void>((resolve, reject) =>
        stream.end((e?: Error | null) => (e ? reject(e) : resolve())),
      );
      renameSync(`${file}.tmp`, file);
    },
  };
};
