import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { ALLOCATION_COLUMNS, FORM_8949_COLUMNS, GIFT_COLUMNS } from "../src/tax/format.ts";

/**
 * The repository's docs are complete on their own (issue 16): a reader of a clone or of the npm
 * package has README.md and docs/, nothing beside them. So no link or path may point outside the
 * repository, and no section may lean on a specification the reader does not have.
 */
const root = path.resolve(import.meta.dirname, "..");
const pages = [
  "README.md",
  ...readdirSync(path.join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

describe("docs stand on their own", () => {
  test.each(pages)("%s: every relative link resolves inside the repository", (page) => {
    const text = readFileSync(path.join(root, page), "utf8");
    const broken: string[] = [];
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!.split("#")[0]!;
      if (target === "" || /^[a-z]+:/i.test(target)) continue; // an anchor or a URL
      const resolved = path.resolve(path.dirname(path.join(root, page)), target);
      if (!resolved.startsWith(`${root}${path.sep}`) || !existsSync(resolved)) broken.push(m[1]!);
    }
    expect(broken).toEqual([]);
  });

  test.each(pages)("%s: names no file outside the repository and no spec the reader lacks", (page) => {
    const text = readFileSync(path.join(root, page), "utf8");
    // `shared/…` is the steering repository's folder, not this one's; "spec §N" its documents.
    expect(text.match(/(^|[\s`(])(\.\.\/)*shared\/[\w./-]+/gm) ?? []).toEqual([]);
    expect(text.match(/\bspec §\d/g) ?? []).toEqual([]);
  });

  test("docs/tax-engine.md names every column of the files lotwise gains writes", () => {
    // Before: the page listed summary.json's fields but not one column of form8949.csv, gifts.csv
    // or allocation.csv, so a reader could not check a row by hand without the spec.
    const text = readFileSync(path.join(root, "docs/tax-engine.md"), "utf8");
    const missing = [...FORM_8949_COLUMNS, ...GIFT_COLUMNS, ...ALLOCATION_COLUMNS].filter(
      (c) => !text.includes(`\`${c}\``),
    );
    expect(missing).toEqual([]);
  });
});
