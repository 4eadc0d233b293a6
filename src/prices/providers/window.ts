/** `between <from> and <to>` for missing-price reasons (ISO 8601 UTC, seconds precision). */
export const describeWindow = (atMs: number, windowMs: number): string =>
  `between ${iso(atMs - windowMs)} and ${iso(atMs)}`;

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.000Z$/, "Z");
