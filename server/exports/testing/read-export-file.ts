import { inflateRawSync, inflateSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import Papa from 'papaparse';

/** Test helpers: read an export file back the way its consumers would. */

export function readCsv(buffer: Buffer, delimiter = ','): { bom: boolean; rows: string[][] } {
  const text = buffer.toString('utf8');
  const bom = text.startsWith('\uFEFF');
  const parsed = Papa.parse<string[]>(bom ? text.slice(1) : text, { delimiter, skipEmptyLines: true });
  if (parsed.errors.length)
    throw new Error(`CSV does not parse: ${JSON.stringify(parsed.errors.slice(0, 3))}`);
  return { bom, rows: parsed.data };
}

export type XlsxCell = string | number | Date | null;

export async function readXlsx(buffer: Buffer): Promise<{
  sheets: { name: string; rows: XlsxCell[][]; frozen: boolean; autoFilter: unknown; headerBold: boolean }[];
}> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(buffer as unknown as ArrayBuffer);
  return {
    sheets: workbook.worksheets.map((sheet) => {
      const rows: XlsxCell[][] = [];
      sheet.eachRow({ includeEmpty: true }, (row) => {
        const cells: XlsxCell[] = [];
        for (let column = 1; column <= sheet.columnCount; column++) {
          const value = row.getCell(column).value;
          cells.push(
            value == null
              ? null
              : typeof value === 'string' || typeof value === 'number' || value instanceof Date
                ? value
                : String(value),
          );
        }
        rows.push(cells);
      });
      return {
        name: sheet.name,
        rows,
        frozen: sheet.views.some((view) => view.state === 'frozen' && view.ySplit === 1),
        autoFilter: sheet.autoFilter,
        headerBold: Boolean(sheet.getRow(1).getCell(1).font?.bold),
      };
    }),
  };
}

/**
 * A light PDF reader for pdfkit's output: the page count, and the text of every text-showing operator
 * in order, decoded through the ToUnicode map of the font it is written in (`/F2 7 Tf`), or as WinAnsi for
 * the standard fonts. Each embedded font numbers its glyphs from 1, so the maps are kept per font.
 */
export function readPdf(buffer: Buffer): { pages: number; texts: string[] } {
  const raw = buffer.toString('latin1');
  const pages = (raw.match(/\/Type \/Page(?![s\w])/g) ?? []).length;
  const streams: { object: number; text: string }[] = [];
  const marker = /stream\r?\n/g;
  for (let match = marker.exec(raw); match; match = marker.exec(raw)) {
    const before = raw.slice(Math.max(0, match.index - 300), match.index);
    const dictStart = before.lastIndexOf('<<');
    const dict = before.slice(dictStart);
    const length = /\/Length (\d+)/.exec(dict);
    if (!length) continue;
    const object = Number([...before.matchAll(/(\d+) 0 obj/g)].at(-1)?.[1] ?? -1);
    const start = match.index + match[0].length;
    const data = buffer.subarray(start, start + Number(length[1]));
    try {
      streams.push({
        object,
        text: (/\/FlateDecode/.test(dict) ? inflateSync(data) : data).toString('latin1'),
      });
    } catch {
      // font programs and images: not text
    }
    marker.lastIndex = start + Number(length[1]);
  }
  const cmapOf = (stream: string) => {
    const toUnicode = new Map<number, string>();
    const range = /<([0-9a-f]+)> <([0-9a-f]+)> \[([^\]]*)\]/gi;
    for (let match = range.exec(stream); match; match = range.exec(stream)) {
      const first = Number.parseInt(match[1] ?? '0', 16);
      const targets = (match[3] ?? '').match(/<[^>]*>/g) ?? [];
      targets.forEach((target, index) => {
        const units = target
          .slice(1, -1)
          .split(' ')
          .filter(Boolean)
          .map((hex) => Number.parseInt(hex, 16));
        toUnicode.set(first + index, String.fromCharCode(...units));
      });
    }
    return toUnicode;
  };
  // A page's resources name each font (`/F2 9 0 R`); the font object names its ToUnicode stream.
  const cmapByFont = new Map<string, Map<number, string>>();
  for (const [, name, object] of raw.matchAll(/\/(F\d+) (\d+) 0 R/g)) {
    if (!name || cmapByFont.has(name)) continue;
    const body = new RegExp(`(?:^|\\s)${object} 0 obj([\\s\\S]*?)endobj`).exec(raw)?.[1] ?? '';
    const toUnicode = /\/ToUnicode (\d+) 0 R/.exec(body)?.[1];
    const stream = streams.find((candidate) => candidate.object === Number(toUnicode));
    if (stream) cmapByFont.set(name, cmapOf(stream.text));
  }
  const decode = (hex: string, toUnicode: Map<number, string> | undefined) => {
    if (toUnicode) {
      let text = '';
      for (let index = 0; index + 4 <= hex.length; index += 4)
        text += toUnicode.get(Number.parseInt(hex.slice(index, index + 4), 16)) ?? '\uFFFD';
      return text;
    }
    return Buffer.from(hex, 'hex').toString('latin1');
  };
  const texts: string[] = [];
  for (const { text: stream } of streams) {
    if (!stream.includes('BT')) continue;
    let font: Map<number, string> | undefined;
    const operator = /\/(F\d+) [\d.]+ Tf|\[((?:<[0-9a-f]*>|[-\d.\s])*)\]\s*TJ|<([0-9a-f]*)>\s*Tj/gi;
    for (let match = operator.exec(stream); match; match = operator.exec(stream)) {
      if (match[1] !== undefined) {
        font = cmapByFont.get(match[1]);
        continue;
      }
      const parts = match[2] !== undefined ? (match[2].match(/<([0-9a-f]*)>/gi) ?? []) : [`<${match[3]}>`];
      texts.push(parts.map((part) => decode(part.slice(1, -1), font)).join(''));
    }
  }
  return { pages, texts };
}

/** The parts of a zip (an XLSX) as text, by name, read through its central directory. */
export function zipParts(buffer: Buffer): Map<string, string> {
  const parts = new Map<string, string>();
  const end = buffer.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error('not a zip file');
  let entry = buffer.readUInt32LE(end + 16);
  const count = buffer.readUInt16LE(end + 10);
  for (let index = 0; index < count; index++) {
    const method = buffer.readUInt16LE(entry + 10);
    const compressedSize = buffer.readUInt32LE(entry + 20);
    const nameLength = buffer.readUInt16LE(entry + 28);
    const extraLength = buffer.readUInt16LE(entry + 30);
    const commentLength = buffer.readUInt16LE(entry + 32);
    const local = buffer.readUInt32LE(entry + 42);
    const name = buffer.toString('utf8', entry + 46, entry + 46 + nameLength);
    const dataStart = local + 30 + buffer.readUInt16LE(local + 26) + buffer.readUInt16LE(local + 28);
    const data = buffer.subarray(dataStart, dataStart + compressedSize);
    parts.set(name, (method === 8 ? inflateRawSync(data) : data).toString('utf8'));
    entry += 46 + nameLength + extraLength + commentLength;
  }
  return parts;
}
