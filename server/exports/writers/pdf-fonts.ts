import { existsSync } from 'node:fs';

/** A font file, and which face to take from it when it is a collection (.ttc). */
export interface FontFile {
  readonly path: string;
  /** The face's PostScript name: pdfkit opens a collection only with it. */
  readonly postscriptName?: string;
}

/** The table's font: the first of these that exists (accents, Cyrillic, Greek); else the built-in Helvetica. */
export const primaryFontFiles: readonly FontFile[] = [
  { path: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf' },
  { path: '/usr/share/fonts/dejavu/DejaVuSans.ttf' },
  { path: '/Library/Fonts/Arial Unicode.ttf' },
];

/**
 * For the text the table's font has no glyphs for (Chinese, Japanese, Korean): in this order, the first
 * that exists and has every character of a cell writes the whole cell. Droid Sans Fallback has Chinese and
 * Japanese but no Latin letters or digits and only 3 of the 11,172 Hangul syllables, so Korean names and
 * mixed cells need one of the others.
 */
export const fallbackFontFiles: readonly FontFile[] = [
  // Debian fonts-droid-fallback
  { path: '/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf' },
  // Debian fonts-wqy-microhei: Chinese, kana, all of Hangul, Latin, Greek, Cyrillic
  { path: '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc', postscriptName: 'WenQuanYiMicroHei' },
  // Debian fonts-wqy-zenhei
  { path: '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc', postscriptName: 'WenQuanYiZenHei' },
  // Debian fonts-noto-cjk: last, as pdfkit reads the whole 19 MB collection into memory
  { path: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', postscriptName: 'NotoSansCJKsc-Regular' },
];

export interface PdfFontFiles {
  /** Undefined: Helvetica. */
  readonly primary?: FontFile;
  readonly fallbacks: readonly FontFile[];
}

let installed: PdfFontFiles | undefined;

/** The candidates this system has. */
export function installedPdfFonts(): PdfFontFiles {
  installed ??= {
    primary: primaryFontFiles.find((file) => existsSync(file.path)),
    fallbacks: fallbackFontFiles.filter((file) => existsSync(file.path)),
  };
  return installed;
}

/** pdfkit's current font object, which pdfkit does not type; `font` is fontkit's when the font is embedded. */
interface PdfkitFont {
  readonly ascender: number;
  /** Word → layout; pdfkit makes it document-wide unless `fontLayoutCache: false`. */
  layoutCache?: object;
  widthOfString(text: string, size: number): number;
  readonly font?: {
    readonly unitsPerEm?: number;
    hasGlyphForCodePoint?(codePoint: number): boolean;
    glyphForCodePoint?(codePoint: number): { readonly advanceWidth: number };
  };
}

/** What a standard PDF font (Helvetica) can show: WinAnsi, i.e. Latin-1 and these. */
const winAnsiExtras = new Set(Array.from('ƒ–—‘’‚“”„†‡•…€‰‹›ˆ™ŒœŠšŸŽž', (char) => char.codePointAt(0)));
const inWinAnsi = (codePoint: number) =>
  (codePoint >= 0x20 && codePoint <= 0x7e) ||
  (codePoint >= 0xa0 && codePoint <= 0xff) ||
  winAnsiExtras.has(codePoint);

const notCovered = -1;
const maxCachedCodePoints = 20_000;
/**
 * Advance widths leave out kerning and ligatures. Ligatures only narrow a string; a kerning pair widens it
 * by at most 0.13 em in these fonts (DejaVu Sans 0.07), and such pairs are rare: text cut to this much less
 * than its cell stays inside it.
 */
const kerningAllowance = 150; // thousandths of an em

/**
 * One font of one document. Its advance widths are cached per code point, so measuring a cell costs a
 * map lookup per character instead of a fontkit layout (tens of microseconds, with the layout cache off).
 */
export class PdfFace {
  private readonly advances = new Map<number, number>();
  readonly replacement: string;

  constructor(
    /** The name the face is registered under in its document. */
    readonly name: string,
    private readonly font: PdfkitFont,
  ) {
    this.replacement = this.covers(0xfffd) ? '\uFFFD' : '?';
  }

  /** Thousandths of an em above the baseline. */
  get ascender(): number {
    return this.font.ascender;
  }

  covers(codePoint: number): boolean {
    return this.advance(codePoint) !== notCovered;
  }

  coversAll(text: string): boolean {
    for (const char of text) if (!this.covers(char.codePointAt(0) ?? 0)) return false;
    return true;
  }

  /** The width of `text` at `size`, in points; characters the face lacks count as nothing. */
  widthOf(text: string, size: number): number {
    let width = 0;
    for (const char of text) width += Math.max(0, this.advance(char.codePointAt(0) ?? 0));
    return (width * size) / 1000;
  }

  /** The longest beginning of `text` (whole code points) at most `width` points wide at `size`. */
  prefixFitting(text: string, width: number, size: number): string {
    const limit = (width * 1000) / size;
    let used = 0;
    let end = 0;
    for (const char of text) {
      used += Math.max(0, this.advance(char.codePointAt(0) ?? 0));
      if (used > limit) break;
      end += char.length;
    }
    return text.slice(0, end);
  }

  /**
   * Runs `write`, one `doc.text` in this face, with a layout cache of its own. pdfkit lays a text out
   * three times to write it (to measure it, to encode its glyphs, to move x past it), each a fontkit layout
   * of tens of microseconds per word with the document's cache off: this lets the three share one layout,
   * and keeps nothing once the text is written (the document-wide cache stays off: it grows without bound).
   */
  sharingLayouts(write: () => void): void {
    const documentCache = this.font.layoutCache;
    this.font.layoutCache = Object.create(null);
    try {
      write();
    } finally {
      this.font.layoutCache = documentCache;
    }
  }

  /** Thousandths of an em, or `notCovered`. */
  private advance(codePoint: number): number {
    let advance = this.advances.get(codePoint);
    if (advance === undefined) {
      advance = this.measure(codePoint);
      if (this.advances.size >= maxCachedCodePoints) this.advances.clear();
      this.advances.set(codePoint, advance);
    }
    return advance;
  }

  private measure(codePoint: number): number {
    const fontkit = this.font.font;
    if (fontkit?.hasGlyphForCodePoint && fontkit.glyphForCodePoint && fontkit.unitsPerEm) {
      if (!fontkit.hasGlyphForCodePoint(codePoint)) return notCovered;
      return (fontkit.glyphForCodePoint(codePoint).advanceWidth * 1000) / fontkit.unitsPerEm;
    }
    // A standard font: pdfkit writes it WinAnsi-encoded, so anything else would come out as other characters.
    if (!inWinAnsi(codePoint)) return notCovered;
    return this.font.widthOfString(String.fromCodePoint(codePoint), 1000);
  }
}

/** A piece of text and the face that writes it; the characters no font has are already replaced. */
export interface Run {
  readonly face: PdfFace;
  readonly text: string;
}

const ellipsis = '…';

/**
 * The fonts of one PDF document, and which of them writes a given piece of text. Fallback fonts are read
 * only when some text needs them; one the document opened but never wrote with is not embedded.
 */
export class PdfFonts {
  readonly primary: PdfFace;
  /** Undefined: not opened yet; null: could not be opened. */
  private readonly fallbacks: (PdfFace | null | undefined)[];
  private readonly fallbackNames: string[];
  private current: PdfFace;

  constructor(
    private readonly doc: PDFKit.PDFDocument,
    files: PdfFontFiles = installedPdfFonts(),
  ) {
    doc.registerFont('table', files.primary?.path ?? 'Helvetica', files.primary?.postscriptName);
    this.fallbackNames = files.fallbacks.map((file, index) => {
      const name = `fallback-${index + 1}`;
      doc.registerFont(name, file.path, file.postscriptName);
      return name;
    });
    this.fallbacks = this.fallbackNames.map(() => undefined);
    this.primary = this.open('table');
    this.current = this.primary;
  }

  /**
   * `text` in the table's font when it has every character, else in the first fallback that has; else
   * in runs, a character staying in the font of the run before it when that font has it. What no font
   * has is a visible U+FFFD (or '?') in the table's font.
   */
  runs(text: string): Run[] {
    if (this.primary.coversAll(text)) return [{ face: this.primary, text }];
    for (const face of this.fallbackFaces()) if (face.coversAll(text)) return [{ face, text }];
    const runs: Run[] = [];
    let face: PdfFace | undefined;
    let chunk = '';
    for (const char of text) {
      const codePoint = char.codePointAt(0) ?? 0;
      let next = face?.covers(codePoint) ? face : this.firstCovering(codePoint);
      let shown = char;
      if (!next) {
        next = this.primary;
        shown = this.primary.replacement;
      }
      if (face && next !== face) {
        runs.push({ face, text: chunk });
        chunk = '';
      }
      face = next;
      chunk += shown;
    }
    if (face) runs.push({ face, text: chunk });
    return runs;
  }

  /** `text` on one line of `width` points at `size`: whole when it fits, else cut with an ellipsis. */
  fit(text: string, width: number, size: number): Run[] {
    const whole = this.runs(text);
    if (totalWidth(whole, size) <= allowed(width, size)) return whole;
    // Chosen with the ellipsis, so that the face of a one-run cell has it too (Droid Sans Fallback has none).
    const withEllipsis = this.runs(`${text}${ellipsis}`);
    const last = withEllipsis.at(-1);
    if (!last) return [];
    const marker = last.text.slice(-ellipsis.length);
    const body = [
      ...withEllipsis.slice(0, -1),
      { face: last.face, text: last.text.slice(0, -ellipsis.length) },
    ];
    const cut = cutRuns(body, allowed(width, size) - last.face.widthOf(marker, size), size);
    const end = cut.at(-1);
    if (end?.face === last.face)
      return [...cut.slice(0, -1), { face: end.face, text: `${end.text}${marker}` }];
    return [...cut, { face: last.face, text: marker }];
  }

  /**
   * `text` in lines of at most `width` points at `size`: broken after spaces and at line breaks, a word
   * too long for a line broken after its last `@ . - / _` that fits (else where it must). At most
   * `maxLines` lines; when there is more, the last is cut with an ellipsis.
   */
  wrap(text: string, width: number, size: number, maxLines: number): Run[][] {
    const limit = allowed(width, size);
    const widthOf = (part: string) => totalWidth(this.runs(part), size);
    const lines: string[] = [];
    for (const paragraph of text.replace(/\t/g, ' ').split(/\r\n|[\r\n]/)) {
      let line = '';
      for (let token of paragraph.match(/\S+\s*/g) ?? []) {
        if (widthOf(`${line}${token}`.trimEnd()) <= limit) {
          line += token;
          continue;
        }
        if (line) lines.push(line.trimEnd());
        line = '';
        while (token.trimEnd() && widthOf(token.trimEnd()) > limit) {
          const fitting = cutRuns(this.runs(token), limit, size)
            .map((run) => run.text)
            .join('');
          const breakAfter = Math.max(...['@', '.', '-', '/', '_'].map((mark) => fitting.lastIndexOf(mark)));
          const end = breakAfter > 0 ? breakAfter + 1 : Math.max(1, fitting.length);
          lines.push(token.slice(0, end));
          token = token.slice(end);
        }
        line = token;
      }
      if (line.trimEnd() || !lines.length) lines.push(line.trimEnd());
      if (lines.length > maxLines) break;
    }
    while (lines.length && !lines.at(-1)) lines.pop();
    if (lines.length <= maxLines) return lines.map((line) => this.runs(line));
    const kept = lines.slice(0, maxLines - 1).map((line) => this.runs(line));
    const rest = lines.slice(maxLines - 1).join(' ');
    return [...kept, this.fit(`${rest} …`, width, size)];
  }

  /** Makes `face` the document's current font. */
  use(face: PdfFace): void {
    if (face === this.current) return;
    this.doc.font(face.name);
    this.current = face;
  }

  private firstCovering(codePoint: number): PdfFace | undefined {
    if (this.primary.covers(codePoint)) return this.primary;
    for (const face of this.fallbackFaces()) if (face.covers(codePoint)) return face;
    return undefined;
  }

  /** The fallbacks in order, each opened the first time it is asked for; one pdfkit cannot open is left out. */
  private *fallbackFaces(): Generator<PdfFace> {
    for (const [index, name] of this.fallbackNames.entries()) {
      let face = this.fallbacks[index];
      if (face === undefined) {
        try {
          face = this.open(name);
        } catch {
          // Not a font pdfkit reads, or no such face in the collection: an export does not fail for it.
          face = null;
        }
        this.doc.font(this.current.name);
        this.fallbacks[index] = face;
      }
      if (face) yield face;
    }
  }

  private open(name: string): PdfFace {
    this.doc.font(name);
    // pdfkit does not type its font object; fontkit's glyph metrics are what it lays text out with.
    return new PdfFace(name, (this.doc as unknown as { _font: PdfkitFont })._font);
  }
}

/** Points of a `width`-point line that advance widths may fill (see kerningAllowance). */
function allowed(width: number, size: number): number {
  return width - (kerningAllowance * size) / 1000;
}

function totalWidth(runs: readonly Run[], size: number): number {
  return runs.reduce((sum, run) => sum + run.face.widthOf(run.text, size), 0);
}

/** The longest beginning of `runs` (whole code points) at most `width` points wide at `size`. */
function cutRuns(runs: readonly Run[], width: number, size: number): Run[] {
  const kept: Run[] = [];
  let room = width;
  for (const run of runs) {
    const text = run.face.prefixFitting(run.text, room, size);
    if (text) kept.push({ face: run.face, text });
    if (text !== run.text) break;
    room -= run.face.widthOf(text, size);
  }
  return kept;
}
