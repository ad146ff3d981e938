import { existsSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import type { CrmRecord } from '../../../shared/records';
import { yieldToEventLoop } from '../../db/database';
import { displayText, type ExportColumn } from './cell-values';
import { type ExportWriter, type WriterFactory, waitForDrain } from './export-writer';

/** A Unicode TrueType font when the system has one (accents, Cyrillic, Greek); else the built-in Helvetica. */
const unicodeFontCandidates = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/Library/Fonts/Arial Unicode.ttf',
];
const unicodeFont = unicodeFontCandidates.find((file) => existsSync(file));

interface GlyphSource {
  _font?: { font?: { hasGlyphForCodePoint?(codePoint: number): boolean } };
}

let coverage: ((text: string) => string) | undefined;

/**
 * Replaces the characters the embedded font has no glyph for (CJK with DejaVu Sans, say) by U+FFFD, so
 * the PDF shows a visible � instead of an invisible .notdef glyph. CSV, XLSX and JSON carry every
 * character; only the PDF depends on the font (a CJK font in the candidate list would lift this).
 */
export function pdfRenderable(text: string): string {
  if (!coverage) {
    const probe = new PDFDocument({ autoFirstPage: false });
    probe.font(unicodeFont ?? 'Helvetica');
    // pdfkit does not type its font object; fontkit's hasGlyphForCodePoint is what it uses internally.
    const font = (probe as unknown as GlyphSource)._font?.font;
    const has = font?.hasGlyphForCodePoint?.bind(font);
    const replacement = has?.(0xfffd) ? '\uFFFD' : '?';
    coverage = has
      ? (value) => Array.from(value, (char) => (has(char.codePointAt(0) ?? 0) ? char : replacement)).join('')
      : (value) => value;
  }
  return coverage(text);
}

const weightByType: Record<ExportColumn['type'], number> = {
  text: 3,
  email: 3.5,
  phone: 2,
  number: 1.2,
  select: 1.4,
  multiselect: 3,
  date: 1.5,
  timestamp: 2.8,
  reference: 2.6,
};

const margin = 30;
const fontSize = 7;
const rowHeight = 13;
const headerHeight = 16;
const cellPadding = 3;

/**
 * A landscape table: the title, filter and date range on page 1, the header row repeated on every page,
 * page numbers in the footer. Pages are written as they fill (no page buffering), so memory stays flat.
 */
export const createPdfWriter: WriterFactory = (out, options): ExportWriter => {
  const doc = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margin,
    bufferPages: false,
    // pdfkit caches the layout of every distinct word it ever measured, without bound: with tens of
    // thousands of distinct names and emails that cache dominated the worker's memory (715 MB at 10k rows).
    fontLayoutCache: false,
    info: { Title: options.title, Producer: 'CRM export' },
  });
  doc.pipe(out);
  const font = unicodeFont ?? 'Helvetica';
  doc.font(font);
  let columns: readonly ExportColumn[] = [];
  let widths: number[] = [];
  let y = margin;
  let pageNumber = 1;
  const usableWidth = doc.page.width - margin * 2;
  const bottom = () => doc.page.height - margin - 14;

  const fit = (text: string, width: number): string => {
    const flat = pdfRenderable(text.replace(/[\r\n\t]+/g, ' '));
    if (doc.widthOfString(flat) <= width) return flat;
    let low = 0;
    let high = flat.length;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (doc.widthOfString(`${flat.slice(0, middle)}…`) <= width) low = middle;
      else high = middle - 1;
    }
    return `${flat.slice(0, low)}…`;
  };

  const footer = () => {
    // Writing below the bottom margin would make pdfkit add a page; lift the margin for the footer.
    const saved = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
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

  const headerRow = () => {
    doc.rect(margin, y, usableWidth, headerHeight).fill('#e8eaf0');
    doc.fillColor('#111111').fontSize(fontSize + 0.5);
    let x = margin;
    columns.forEach((column, index) => {
      const width = widths[index] ?? 0;
      doc.text(fit(column.label, width - cellPadding * 2), x + cellPadding, y + 4, {
        width: width - cellPadding * 2,
        lineBreak: false,
      });
      x += width;
    });
    y += headerHeight;
  };

  const newPage = () => {
    footer();
    doc.addPage();
    pageNumber += 1;
    y = margin;
    headerRow();
  };

  return {
    contentType: 'application/pdf',
    extension: 'pdf',
    async writeHeader(chosen) {
      columns = chosen;
      const weights = columns.map((column) => weightByType[column.type]);
      const total = weights.reduce((sum, weight) => sum + weight, 0) || 1;
      widths = weights.map((weight) => (usableWidth * weight) / total);
      doc.fillColor('#111111').fontSize(14).text(options.title, margin, y, { width: usableWidth });
      doc.moveDown(0.3).fontSize(8).fillColor('#444444');
      for (const line of options.summary) doc.text(line, { width: usableWidth });
      y = doc.y + 8;
      headerRow();
    },
    async writeRows(rows: readonly CrmRecord[]) {
      doc.fontSize(fontSize);
      for (const [index, row] of rows.entries()) {
        if (y + rowHeight > bottom()) newPage();
        if (index % 2 === 1) doc.rect(margin, y, usableWidth, rowHeight).fill('#f6f7f9');
        doc.fillColor('#111111').fontSize(fontSize);
        let x = margin;
        columns.forEach((column, columnIndex) => {
          const width = widths[columnIndex] ?? 0;
          const text = fit(displayText(column, row[column.slug], options.timezone), width - cellPadding * 2);
          if (text)
            doc.text(text, x + cellPadding, y + 3, { width: width - cellPadding * 2, lineBreak: false });
          x += width;
        });
        y += rowHeight;
      }
      await yieldToEventLoop();
      await waitForDrain(out);
    },
    async finish() {
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
};
