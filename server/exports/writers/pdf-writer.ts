import type { Writable } from 'node:stream';
import PDFDocument from 'pdfkit';
import type { CrmRecord } from '../../../shared/records';
import { yieldToEventLoop } from '../../db/database';
import { displayText, type ExportColumn } from './cell-values';
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
  const fitted = (text: string, width: number, size: number) =>
    fonts.fit(text.replace(/[\r\n\t]+/g, ' '), width, size);

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

  const headerRow = () => {
    doc.rect(margin, y, usableWidth, headerHeight).fill('#e8eaf0');
    doc.fillColor('#111111');
    const size = fontSize + 0.5;
    let x = margin;
    columns.forEach((column, index) => {
      const width = widths[index] ?? 0;
      cell(fitted(column.label, width - cellPadding * 2, size), x + cellPadding, y + 4, size);
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
      doc.fillColor('#111111').fontSize(14);
      paragraph(options.title, y);
      doc.moveDown(0.3).fontSize(8).fillColor('#444444');
      for (const line of options.summary) paragraph(line);
      y = doc.y + 8;
      headerRow();
    },
    async writeRows(rows: readonly CrmRecord[]) {
      for (const [index, row] of rows.entries()) {
        if (y + rowHeight > bottom()) newPage();
        if (index % 2 === 1) doc.rect(margin, y, usableWidth, rowHeight).fill('#f6f7f9');
        doc.fillColor('#111111');
        let x = margin;
        columns.forEach((column, columnIndex) => {
          const width = widths[columnIndex] ?? 0;
          const text = displayText(column, row[column.slug], options.timezone);
          cell(fitted(text, width - cellPadding * 2, fontSize), x + cellPadding, y + 3, fontSize);
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
}
