/**
 * Form 8949 check boxes: which Part, term and Schedule D line each belongs to, and the box a row
 * goes in for a given tax year.
 *
 * The 2025 form added boxes G–L for digital assets (G/H/I short-term, J/K/L long-term: reported
 * on a Form 1099-DA with basis reported, without basis reported, not reported on a 1099-DA) next
 * to A–F (Form 1099-B). Before 2025 the form had only A–F and digital assets not reported on a
 * 1099-B went in C (short) or F (long).
 */

/** A Form 8949 check box. */
export type Form8949Box = "A" | "B" | "C" | "D" | "E" | "F" | "G" | "H" | "I" | "J" | "K" | "L";

export type BoxInfo = {
  box: Form8949Box;
  /** Part I (short-term) or Part II (long-term). */
  part: "I" | "II";
  term: "short" | "long";
  /** The Schedule D line its line 2 totals go to. */
  scheduleDLine: "1b" | "2" | "3" | "8b" | "9" | "10";
  /** The box's text on the form (Form 8949, 2025). */
  label: string;
};

const info = (
  box: Form8949Box,
  part: "I" | "II",
  scheduleDLine: BoxInfo["scheduleDLine"],
  label: string,
): BoxInfo => ({ box, part, term: part === "I" ? "short" : "long", scheduleDLine, label });

/** Every box in the order the form lists them (A, B, C, G, H, I, then D, E, F, J, K, L). */
export const BOXES: readonly BoxInfo[] = [
  info(
    "A",
    "I",
    "1b",
    "Short-term transactions reported on Form(s) 1099-B showing basis was reported to the IRS",
  ),
  info(
    "B",
    "I",
    "2",
    "Short-term transactions reported on Form(s) 1099-B showing basis wasn't reported to the IRS",
  ),
  info(
    "C",
    "I",
    "3",
    "Short-term transactions, other than digital asset transactions, not reported to you on Form 1099-B or 1099-DA",
  ),
  info(
    "G",
    "I",
    "1b",
    "Short-term transactions reported on Form(s) 1099-DA showing basis was reported to the IRS",
  ),
  info(
    "H",
    "I",
    "2",
    "Short-term transactions reported on Form(s) 1099-DA showing basis wasn't reported to the IRS",
  ),
  info(
    "I",
    "I",
    "3",
    "Short-term digital asset transactions not reported to you on Form 1099-DA or Form 1099-B",
  ),
  info(
    "D",
    "II",
    "8b",
    "Long-term transactions reported on Form(s) 1099-B showing basis was reported to the IRS",
  ),
  info(
    "E",
    "II",
    "9",
    "Long-term transactions reported on Form(s) 1099-B showing basis wasn't reported to the IRS",
  ),
  info(
    "F",
    "II",
    "10",
    "Long-term transactions, other than digital asset transactions, not reported to you on Form 1099-B or 1099-DA",
  ),
  info(
    "J",
    "II",
    "8b",
    "Long-term transactions reported on Form(s) 1099-DA showing basis was reported to the IRS",
  ),
  info(
    "K",
    "II",
    "9",
    "Long-term transactions reported on Form(s) 1099-DA showing basis wasn't reported to the IRS",
  ),
  info(
    "L",
    "II",
    "10",
    "Long-term digital asset transactions not reported to you on Form 1099-DA or Form 1099-B",
  ),
];

const BY_BOX = new Map(BOXES.map((b) => [b.box, b]));

/** Before this tax year the form has no boxes G–L. */
export const FIRST_DIGITAL_ASSET_BOX_YEAR = 2025;

/**
 * Boxes C and F on the forms before 2025, which had no digital-asset boxes: digital assets not
 * reported on a 1099-B went there, so their text does not yet exclude them (Form 8949, 2024).
 */
const LABEL_BEFORE_2025: Partial<Record<Form8949Box, string>> = {
  C: "Short-term transactions not reported to you on Form 1099-B",
  F: "Long-term transactions not reported to you on Form 1099-B",
};

/** The text of box `b` on the form of `taxYear`. */
export const boxLabel = (b: BoxInfo, taxYear: number): string =>
  (taxYear < FIRST_DIGITAL_ASSET_BOX_YEAR ? LABEL_BEFORE_2025[b.box] : undefined) ?? b.label;

/** True when `value` is a Form 8949 box letter. */
export const isForm8949Box = (value: string): value is Form8949Box => BY_BOX.has(value as Form8949Box);

/** The metadata of `box`. @throws Error for a letter that is not a box. */
export const boxInfo = (box: string): BoxInfo => {
  const b = BY_BOX.get(box as Form8949Box);
  if (!b) throw new Error(`"${box}" is not a Form 8949 check box (A–L)`);
  return b;
};

/**
 * The box a row goes in on the form of `taxYear`: the row's own box from 2025 on; before 2025 the
 * digital-asset boxes I and L become C and F (the form had no I or L then).
 */
export const formBox = (box: string, taxYear: number): Form8949Box => {
  const b = boxInfo(box).box;
  if (taxYear >= FIRST_DIGITAL_ASSET_BOX_YEAR) return b;
  if (b === "I") return "C";
  if (b === "L") return "F";
  return b;
};

/** The boxes printed on a Part of the form of `taxYear`, in the form's order. */
export const boxesOfPart = (part: "I" | "II", taxYear: number): readonly BoxInfo[] =>
  BOXES.filter(
    (b) =>
      b.part === part &&
      (taxYear >= FIRST_DIGITAL_ASSET_BOX_YEAR || !["G", "H", "I", "J", "K", "L"].includes(b.box)),
  );
