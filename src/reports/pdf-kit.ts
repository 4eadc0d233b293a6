/**
 * Small drawing helpers over pdf-lib for the report pages: the PDF's built-in Helvetica fonts
 * (nothing is downloaded or embedded from disk), text that those fonts can encode, wrapping,
 * alignment and a top-down coordinate system (y measured from the top of a US Letter page).
 */
import { type PDFDocument, type PDFFont, type PDFPage, rgb, StandardFonts } from "pdf-lib";

/** US Letter, portrait, in points. */
export const PAGE_WIDTH = 612;
export const PAGE_HEIGHT = 792;
/** Left/right/top margin in points. */
export const MARGIN = 36;
export const CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN;

export const BLACK = rgb(0, 0, 0);
export const WHITE = rgb(1, 1, 1);
export const GREY = rgb(0.82, 0.82, 0.82);

export type Fonts = { regular: PDFFont; bold: PDFFont };

/** A font plus the code points it can encode (WinAnsi for the standard fonts). */
const charsets = new WeakMap<PDFFont, Set<number>>();

export const embedFonts = async (doc: PDFDocument): Promise<Fonts> => ({
  regular: await doc.embedFont(StandardFonts.Helvetica),
  bold: await doc.embedFont(StandardFonts.HelveticaBold),
});

/**
 * `text` with every character the font cannot encode replaced by `?` and line breaks and tabs
 * by spaces (token names and wallet labels can hold any Unicode; the standard fonts hold WinAnsi).
 */
export const encodable = (font: PDFFont, text: string): string => {
  let set = charsets.get(font);
  if (!set) {
    set = new Set(font.getCharacterSet());
    charsets.set(font, set);
  }
  let out = "";
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp === 9 || cp === 10 || cp === 13) out += " ";
    else out += set.has(cp) ? ch : "?";
  }
  return out;
};

export type TextStyle = { font: PDFFont; size: number; color?: ReturnType<typeof rgb> };

/** Width of `text` (already encodable) in points. */
export const widthOf = (text: string, style: TextStyle): number =>
  style.font.widthOfTextAtSize(text, style.size);

/**
 * Draws one line of text with its baseline at `top` points from the top of the page.
 * `align` is relative to `x`…`x + width` (left when no width is given).
 */
export const text = (
  page: PDFPage,
  value: string,
  x: number,
  top: number,
  style: TextStyle,
  options: { width?: number; align?: "left" | "right" | "center" } = {},
): void => {
  const s = encodable(style.font, value);
  if (s === "") return;
  let left = x;
  if (options.width !== undefined && options.align && options.align !== "left") {
    const w = widthOf(s, style);
    left = options.align === "right" ? x + options.width - w : x + (options.width - w) / 2;
  }
  page.drawText(s, {
    x: left,
    y: PAGE_HEIGHT - top,
    size: style.size,
    font: style.font,
    color: style.color ?? BLACK,
  });
};

/**
 * Breaks `value` into lines no wider than `width` at spaces (a word wider than a line is cut
 * between characters).
 */
export const wrap = (value: string, width: number, style: TextStyle): string[] => {
  const words = encodable(style.font, value)
    .split(" ")
    .filter((w) => w !== "");
  const lines: string[] = [];
  let line = "";
  for (let word of words) {
    while (widthOf(word, style) > width) {
      let cut = word.length - 1;
      while (cut > 1 && widthOf(word.slice(0, cut), style) > width) cut--;
      if (line !== "") {
        lines.push(line);
        line = "";
      }
      lines.push(word.slice(0, cut));
      word = word.slice(cut);
    }
    const candidate = line === "" ? word : `${line} ${word}`;
    if (widthOf(candidate, style) <= width) line = candidate;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line !== "") lines.push(line);
  return lines;
};

/** Draws wrapped text from baseline `top`, `leading` points apart; returns the baseline after the last line. */
export const paragraph = (
  page: PDFPage,
  value: string,
  x: number,
  top: number,
  width: number,
  style: TextStyle,
  leading = style.size * 1.25,
): number => {
  let y = top;
  for (const line of wrap(value, width, style)) {
    text(page, line, x, y, style);
    y += leading;
  }
  return y;
};

/** Fits `value` in one line of `width`: the largest size from `size` down to `minSize`, else `undefined`. */
export const fitSize = (
  value: string,
  width: number,
  font: PDFFont,
  size: number,
  minSize: number,
): number | undefined => {
  const s = encodable(font, value);
  for (let z = size; z >= minSize; z -= 0.5) if (font.widthOfTextAtSize(s, z) <= width) return z;
  return undefined;
};

/** A rectangle given by its top-left corner (top-down coordinates). */
export const rect = (
  page: PDFPage,
  x: number,
  top: number,
  width: number,
  height: number,
  options: { fill?: ReturnType<typeof rgb>; border?: number } = {},
): void => {
  page.drawRectangle({
    x,
    y: PAGE_HEIGHT - top - height,
    width,
    height,
    color: options.fill,
    borderColor: options.border ? BLACK : undefined,
    borderWidth: options.border ?? 0,
  });
};

/** A straight line between two top-down points. */
export const line = (
  page: PDFPage,
  x1: number,
  top1: number,
  x2: number,
  top2: number,
  thickness = 0.5,
): void => {
  page.drawLine({
    start: { x: x1, y: PAGE_HEIGHT - top1 },
    end: { x: x2, y: PAGE_HEIGHT - top2 },
    thickness,
    color: BLACK,
  });
};
