import type { FastifyReply } from "fastify";

/**
 * Sends a CSV download. The text must come from the project's CSV writers (src/utils/csv.ts and
 * what builds on it), which prefix cells starting with `=`, `+`, `-`, `@`, tab or CR with `'` so a
 * spreadsheet never runs them as formulas.
 */
export const sendCsv = (reply: FastifyReply, filename: string, text: string) =>
  reply
    .header("content-type", "text/csv; charset=utf-8")
    .header("content-disposition", `attachment; filename="${filename.replace(/[^\w.-]/g, "_")}"`)
    .header("x-content-type-options", "nosniff")
    .send(text);
