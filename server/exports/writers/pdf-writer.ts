import type { Writable } from 'node:stream';
import PDFDocument from 'pdfkit';
import type { CrmRecord } from '../../../shared/records';
import { yieldToEventLoop } from '../../db/database';
import { displayText, type ExportColumn, type ValueStyle } from './cell-values';
import { type ExportWriter, type WriterOptions, waitForDrain } from './export-writer';
import { installedPdfFonts, type PdfFontFiles, PdfFonts, type Run } from './pdf-fonts';

let probe: PdfFonts | undefined;

/**
 * The text as the PDF shows it: the characters no installed font has a glyph for are replaced by U+FFFD
 * (or '?'), so the PDF shows a visible � instead of an invisible .notdef glyph. CSV, XLSX and JSON carry
 * every character; only the PDF depends on the fonts (see pdf-fonts.ts for the CJK fallbacks).
 */
export function pdfRenderable(text: string): string {
  probe ??= new PdfFonts(new PDFDocument({ autoFirstPage: false }));
  return probe
    .runs(text)
    .map((run) => run.text)
    .join('');
}

/** Values that are one token to a reader: their column is made wide enough to show them on one line. */
const atomicTypes = new Set<ExportColumn['type']>(['email', 'phone', 'number', 'date', 'timestamp']);

const margin = 30;
const fontSize = 7;
const lineHeight = 9;
const cellPaddingY = 2.5;
const headerHeight = 16;
const cellPadding = 3;
/** A cell wraps onto at most this many lines; past them its last line is cut with an ellipsis. */
const maxLines = 4;
const minColumnWidth = 36;
/** A text column keeps its longest word whole up to this width; longer words break. */
const maxWordWidth = 90;
/** No column is made wider than this from its content (points; the page has about 780)… */
const maxTextWidth = 200;
/** …but an email, a phone or a timestamp, which should stay on one line, up to this. */
const maxAtomicWidth = 280;

/**
 * Column widths from content: each column's widest value in the rows measured (the first batch), plus
 * padding, capped; never narrower than its header's longest word (the header wraps between words).
 * When they fit, the room left is shared in proportion; when they do not, text columns (which wrap)
 * give up room before emails, phones, numbers and timestamps (which should stay on one line) do.
 */
export function columnWidths(
  columns: readonly { natural: number; wordWidth: number; minimum: number; atomic: boolean }[],
  usableWidth: number,
): number[] {
  // Later batches may hold a longer email than the first: one-line columns get a fifth more when it fits.
  let widths = columns.map(({ natural, minimum, atomic }) =>
    Math.max(minimum, Math.min(atomic ? maxAtomicWidth : maxTextWidth, atomic ? natural * 1.2 : natural)),
  );
  const total = widths.reduce((sum, width) => sum + width, 0);
  if (total <= usableWidth) return widths.map((width) => (width * usableWidth) / total);
  // Text columns give up room first: down to their longest word, then down to their header's.
  for (const floorOf of [
    (column: (typeof columns)[number]) => Math.max(column.minimum, column.wordWidth),
    (column: (typeof columns)[number]) => column.minimum,
  ]) {
    widths = shrinkText(columns, widths, usableWidth, floorOf);
    if (widths.reduce((sum, width) => sum + width, 0) <= usableWidth + 0.01) return widths;
  }
  const shrunk = widths.reduce((sum, width) => sum + width, 0);
  return widths.map((width) => (width * usableWidth) / shrunk);
}

/** Text columns narrowed in proportion toward `floorOf` each, as far as needed to fit (or to the floors). */
function shrinkText<Column extends { atomic: boolean }>(
  columns: readonly Column[],
  widths: readonly number[],
  usableWidth: number,
  floorOf: (column: Column) => number,
): number[] {
  const floors = columns.map((column, index) =>
    column.atomic ? (widths[index] ?? 0) : Math.min(widths[index] ?? 0, floorOf(column)),
  );
  const slack = widths.reduce((sum, width, index) => sum + width - (floors[index] ?? 0), 0);
  const excess = widths.reduce((sum, width) => sum + width, 0) - usableWidth;
  const scale = slack > 0 ? Math.max(0, 1 - excess / slack) : 1;
  return widths.map((width, index) => {
    const floor = floors[index] ?? 0;
    return floor + (width - floor) * scale;
  });
}

/**
 * A landscape table: the title, filter and date range on page 1, the header row repeated on every page,
 * page numbers in the footer. Pages are written as they fill (no page buffering), so memory stays flat.
 * The fonts are the system's unless `fontFiles` names others (tests).
 */
export function createPdfWriter(
  out: Writable,
  options: WriterOptions,
  fontFiles: PdfFontFiles = installedPdfFonts(),
): ExportWriter {
  const doc = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margin,
    bufferPages: false,
    // pdfkit caches the layout of every distinct word it ever measured, without bound: with tens of
    // thousands of distinct names and emails that cache dominated the worker's memory (715 MB at 10k rows).
    // Cells are measured from cached advance widths instead (PdfFace), and written without a width.
    fontLayoutCache: false,
    info: { Title: options.title, Producer: 'CRM export' },
  });
  doc.pipe(out);
  const fonts = new PdfFonts(doc, fontFiles);
  let columns: readonly ExportColumn[] = [];
  let widths: number[] = [];
  let y = margin;
  let pageNumber = 1;
  const style: ValueStyle = { timezone: options.timezone, values: options.values, timestamps: 'short' };
  const usableWidth = doc.page.width - margin * 2;
  const bottom = () => doc.page.height - margin - 14;

  /**
   * One cell's text, already cut to its width, at `top`. Without a width pdfkit neither wraps (no
   * LineWrapper, no page break) nor measures the text again; every font shares the table font's baseline.
   */
  const cell = (runs: readonly Run[], x: number, top: number, size: number) => {
    const baseline = top + (fonts.primary.ascender * size) / 1000;
    let at = x;
    for (const { face, text } of runs) {
      if (!text) continue;
      fonts.use(face);
      face.sharingLayouts(() =>
        doc.fontSize(size).text(text, at, baseline, { lineBreak: false, baseline: 'alphabetic' }),
      );
      // pdfkit moved x past the text it wrote.
      at = doc.x;
    }
  };
  /** A paragraph of the first page (title, summary): wrapped to the page, each run in its font. */
  const paragraph = (text: string, top = doc.y) => {
    const runs = fonts.runs(text);
    runs.forEach(({ face, text: run }, index) => {
      fonts.use(face);
      const continued = index < runs.length - 1;
      if (index === 0) doc.text(run, margin, top, { width: usableWidth, continued });
      else doc.text(run, { continued });
    });
  };

  const footer = () => {
    // Writing below the bottom margin would make pdfkit add a page; lift the margin for the footer.
    const saved = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    fonts.use(fonts.primary);
    doc
      .fontSize(7)
      .fillColor('#666666')
      .text(`Page ${pageNumber}`, margin, doc.page.height - margin + 6, {
        width: usableWidth,
        align: 'right',
        lineBreak: false,
      });
    doc.page.margins.bottom = saved;
  };

  const headerSize = fontSize + 0.5;

  const headerRow = () => {
    const lines = columns.map((column, index) =>
      fonts.wrap(column.label, (widths[index] ?? 0) - cellPadding * 2, headerSize, 2),
    );
    const height = Math.max(
      headerHeight,
      Math.max(1, ...lines.map((cellLines) => cellLines.length)) * 10 + 6,
    );
    doc.rect(margin, y, usableWidth, height).fill('#e8eaf0');
    doc.fillColor('#111111');
    let x = margin;
    columns.forEach((_, index) => {
      (lines[index] ?? []).forEach((line, lineIndex) => {
        cell(line, x + cellPadding, y + 4 + lineIndex * 10, headerSize);
      });
      x += widths[index] ?? 0;
    });
    y += height;
  };

  const newPage = () => {
    footer();
    doc.addPage();
    pageNumber += 1;
    y = margin;
    headerRow();
  };

  const textOf = (column: ExportColumn, row: CrmRecord) => displayText(column, row[column.slug], style);

  /** Widths from the header and the values of `rows` (the first batch), then the header row. */
  let laidOut = false;
  const layOut = (rows: readonly CrmRecord[]) => {
    laidOut = true;
    const measure = (text: string, size: number) =>
      fonts.runs(text).reduce((sum, run) => sum + run.face.widthOf(run.text, size), 0);
    // Padding and the fonts' kerning allowance (see PdfFonts.fit), so that a value measured to fit does.
    const room = (width: number, size: number) => width + cellPadding * 2 + size * 0.15 + 1;
    widths = columnWidths(
      columns.map((column) => {
        let natural = 0;
        let longestWord = 0;
        for (const row of rows)
          for (const line of textOf(column, row).split(/\r\n|[\r\n]/)) {
            natural = Math.max(natural, measure(line, fontSize));
            for (const word of line.split(/\s+/))
              longestWord = Math.max(longestWord, measure(word, fontSize));
          }
        const longestLabelWord = Math.max(
          0,
          ...column.label.split(/\s+/).map((word) => measure(word, headerSize)),
        );
        return {
          natural: Math.max(room(natural, fontSize), room(measure(column.label, headerSize), headerSize)),
          // Words are not broken while there is room: a column keeps its longest word (up to a point).
          wordWidth: Math.min(maxWordWidth, room(longestWord, fontSize)),
          minimum: Math.max(minColumnWidth, room(longestLabelWord, headerSize)),
          atomic: atomicTypes.has(column.type),
        };
      }),
      usableWidth,
    );
    headerRow();
  };

  return {
    contentType: 'application/pdf',
    extension: 'pdf',
    async writeHeader(chosen) {
      columns = chosen;
      doc.fillColor('#111111').fontSize(14);
      paragraph(options.title, y);
      doc.moveDown(0.3).fontSize(8).fillColor('#444444');
      for (const line of [...options.summary, `Times in ${options.timezone}`]) paragraph(line);
      y = doc.y + 8;
    },
    async writeRows(rows: readonly CrmRecord[]) {
      if (!laidOut) layOut(rows);
      for (const [index, row] of rows.entries()) {
        const lines = columns.map((column, columnIndex) =>
          fonts.wrap(textOf(column, row), (widths[columnIndex] ?? 0) - cellPadding * 2, fontSize, maxLines),
        );
        const height =
          Math.max(1, ...lines.map((cellLines) => cellLines.length)) * lineHeight + cellPaddingY * 2;
        if (y + height > bottom()) newPage();
        if (index % 2 === 1) doc.rect(margin, y, usableWidth, height).fill('#f6f7f9');
        doc.fillColor('#111111');
        let x = margin;
        columns.forEach((_, columnIndex) => {
          (lines[columnIndex] ?? []).forEach((line, lineIndex) => {
            cell(line, x + cellPadding, y + cellPaddingY + 1 + lineIndex * lineHeight, fontSize);
          });
          x += widths[columnIndex] ?? 0;
        });
        y += height;
      }
      await yieldToEventLoop();
      await waitForDrain(out);
    },
    async finish() {
      if (!laidOut) layOut([]);
      footer();
      const ended = new Promise<void>((resolve, reject) => {
        out.once('finish', resolve);
        out.once('close', resolve);
        out.once('error', reject);
      });
      doc.end();
      await ended;
    },
  };
}
