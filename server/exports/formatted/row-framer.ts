import type { SqlFormat } from './formatted-select';

const lineFeed = 0x0a;
const quote = 0x22;

/** Whole rows out of COPY's bytes: `bytes` ends where a row ends, `rows` counts them. */
export interface FramedRows {
  bytes: Buffer;
  rows: number;
}

/**
 * Finds where COPY's rows end in the bytes it sends, however they were cut into chunks, so an export's
 * progress counts records exactly and its file never ends inside a row. COPY ends every row with LF;
 * in CSV a LF inside a quoted field belongs to the value, so quotes are followed (a doubled quote inside
 * a field leaves and re-enters it, which keeps the state right). JSON text never holds a raw LF.
 *
 * Each row's LF is replaced by `terminator` on the way: CSV's CRLF, NDJSON's LF, `,\n` between the
 * objects of a JSON array.
 */
export function createRowFramer(format: SqlFormat, terminator: string) {
  const replacement = Buffer.from(terminator);
  const rewrite = terminator !== '\n';
  let inQuotes = false;
  let pending: Buffer | undefined;

  /** Positions of the LFs that end rows in `bytes` (the quote state carries across calls). */
  function rowEnds(bytes: Buffer): number[] {
    const ends: number[] = [];
    if (format === 'json') {
      for (let at = bytes.indexOf(lineFeed); at >= 0; at = bytes.indexOf(lineFeed, at + 1)) ends.push(at);
      return ends;
    }
    let at = 0;
    let nextQuote = -2; // not looked for yet
    while (at < bytes.length) {
      if (inQuotes) {
        const closing = bytes.indexOf(quote, at);
        if (closing < 0) break;
        inQuotes = false;
        at = closing + 1;
        continue;
      }
      if (nextQuote !== -1 && nextQuote < at) nextQuote = bytes.indexOf(quote, at);
      const lineEnd = bytes.indexOf(lineFeed, at);
      if (nextQuote >= 0 && (lineEnd < 0 || nextQuote < lineEnd)) {
        inQuotes = true;
        at = nextQuote + 1;
        continue;
      }
      if (lineEnd < 0) break;
      ends.push(lineEnd);
      at = lineEnd + 1;
    }
    return ends;
  }

  return {
    /** The complete rows so far (the bytes of a row cut short wait for the next chunk); undefined if none. */
    push(chunk: Buffer): FramedRows | undefined {
      const scanned = pending?.length ?? 0;
      const ends = rowEnds(chunk).map((end) => end + scanned);
      const bytes = pending ? Buffer.concat([pending, chunk]) : chunk;
      const last = ends.at(-1);
      if (last === undefined) {
        pending = bytes;
        return undefined;
      }
      pending = last + 1 < bytes.length ? bytes.subarray(last + 1) : undefined;
      if (!rewrite) return { bytes: bytes.subarray(0, last + 1), rows: ends.length };
      const out = Buffer.allocUnsafe(last + 1 + ends.length * (replacement.length - 1));
      let from = 0;
      let written = 0;
      for (const end of ends) {
        written += bytes.copy(out, written, from, end);
        written += replacement.copy(out, written);
        from = end + 1;
      }
      return { bytes: out, rows: ends.length };
    },
    /** Throws when COPY's output ended inside a row (it never does unless the stream was cut). */
    end(): void {
      if (pending?.length || inQuotes) throw new Error('the formatted rows ended inside a row');
    },
  };
}
