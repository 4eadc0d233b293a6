import { expect, test } from "vitest";
import { IMPORT_FORMAT_CHOICES } from "../../ui/src/import-formats.ts";
import { FORMAT_NAMES } from "./registry.ts";

test("the dashboard's export upload offers auto and exactly the formats lotwise import reads", () => {
  expect(IMPORT_FORMAT_CHOICES.map(([name]) => name)).toEqual(["auto", ...FORMAT_NAMES]);
});
