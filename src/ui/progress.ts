/**
 * Progress reporting for long work. Work code calls `progress.task(label, total)` and then
 * `advance`/`update`; the CLI renders a bar with rate and ETA on stderr, queue jobs forward the
 * fraction to `job.updateProgress`, and tests use `nullProgress`.
 */
export type ProgressSnapshot = {
  label: string;
  /** Units done so far (blocks, transactions, rows). */
  done: number;
  /** Expected units; `undefined` while unknown. */
  total: number | undefined;
  /** Unit name shown next to the numbers, e.g. `blocks`. */
  unit: string;
  /** Free text shown after the bar, e.g. `12 txs`. */
  detail?: string | undefined;
  startedAt: number;
};

export type ProgressTask = {
  /** Adds `n` done units (default 1). */
  advance: (n?: number, detail?: string) => void;
  /** Sets absolute values. */
  update: (u: { done?: number; total?: number; detail?: string; unit?: string }) => void;
  finish: (detail?: string) => void;
};

export type Progress = {
  task: (label: string, args?: { total?: number; unit?: string }) => ProgressTask;
};

const noopTask: ProgressTask = { advance: () => {}, update: () => {}, finish: () => {} };
export const nullProgress: Progress = { task: () => noopTask };

/** Calls `onChange` with a snapshot on every change (throttled by the consumer). */
export const createCallbackProgress = (
  onChange: (s: ProgressSnapshot, finished: boolean) => void,
): Progress => ({
  task: (label, args = {}) => {
    const s: ProgressSnapshot = {
      label,
      done: 0,
      total: args.total,
      unit: args.unit ?? "",
      startedAt: Date.now(),
    };
    return {
      advance: (n = 1, detail) => {
        s.done += n;
        if (detail !== undefined) s.detail = detail;
        onChange(s, false);
      },
      update: (u) => {
        if (u.done !== undefined) s.done = u.done;
        if (u.total !== undefined) s.total = u.total;
        if (u.detail !== undefined) s.detail = u.detail;
        if (u.unit !== undefined) s.unit = u.unit;
        onChange(s, false);
      },
      finish: (detail) => {
        if (detail !== undefined) s.detail = detail;
        if (s.total !== undefined) s.done = s.total;
        onChange(s, true);
      },
    };
  },
});

const fmtDuration = (ms: number): string => {
  if (!Number.isFinite(ms) || ms < 0) return "--";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(s % 60).padStart(2, "0")}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
};

/** One line describing a snapshot: `label [#####-----] 50/100 blocks 12.3/s ETA 4s detail`. */
export const renderLine = (s: ProgressSnapshot, now: number, width = 24): string => {
  const elapsed = Math.max(1, now - s.startedAt);
  const rate = (s.done * 1000) / elapsed;
  const parts = [s.label];
  if (s.total !== undefined && s.total > 0) {
    const frac = Math.min(1, s.done / s.total);
    const fill = Math.round(frac * width);
    parts.push(
      `[${"#".repeat(fill)}${"-".repeat(width - fill)}]`,
      `${s.done}/${s.total}${s.unit ? ` ${s.unit}` : ""}`,
    );
    const eta = rate > 0 ? ((s.total - s.done) / rate) * 1000 : Number.NaN;
    parts.push(`${rate.toFixed(1)}/s`, `ETA ${fmtDuration(eta)}`);
  } else {
    parts.push(`${s.done}${s.unit ? ` ${s.unit}` : ""}`, `${rate.toFixed(1)}/s`);
  }
  if (s.detail) parts.push(s.detail);
  return parts.join(" ");
};

/**
 * Terminal progress on `stream` (stderr). On a TTY it repaints one line at most every 100 ms;
 * elsewhere it prints a line when a task finishes (so logs and CI output stay readable).
 */
export const createTerminalProgress = (
  args: { stream?: NodeJS.WriteStream; enabled?: boolean; now?: () => number } = {},
): Progress => {
  const stream = args.stream ?? process.stderr;
  const now = args.now ?? Date.now;
  if (args.enabled === false) return nullProgress;
  const tty = Boolean(stream.isTTY);
  let last = 0;
  return createCallbackProgress((s, finished) => {
    const t = now();
    if (tty) {
      if (!finished && t - last < 100) return;
      last = t;
      const cols = stream.columns ?? 100;
      stream.write(`\r\x1b[2K${renderLine(s, t).slice(0, cols - 1)}${finished ? "\n" : ""}`);
    } else if (finished) {
      stream.write(`${renderLine(s, t)}\n`);
    }
  });
};
