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

  /** `bytes[0, ends.at(-1)]` with each row end replaced, as pieces of at most `maxRows` rows. */
  function pieces(bytes: Buffer, ends: readonly number[], maxRows: number): FramedRows[] {
    const out: FramedRows[] = [];
    let from = 0;
    for (let first = 0; first < ends.length; first += maxRows) {
      const group = ends.slice(first, first + maxRows);
      const last = group.at(-1) as number;
      if (!rewrite) out.push({ bytes: bytes.subarray(from, last + 1), rows: group.length });
      else {
        const piece = Buffer.allocUnsafe(last + 1 - from + group.length * (replacement.length - 1));
        let written = 0;
        for (const end of group) {
          written += bytes.copy(piece, written, from, end);
          written += replacement.copy(piece, written);
          from = end + 1;
        }
        out.push({ bytes: piece, rows: group.length });
      }
      from = last + 1;
    }
    return out;
  }

  return {
    /**
     * The complete rows so far, in pieces of at most `maxRows` rows (an export's batch); the bytes of a
     * row cut short wait for the next chunk.
     */
    push(chunk: Buffer, maxRows = Number.POSITIVE_INFINITY): FramedRows[] {
      const scanned = pending?.length ?? 0;
      const ends = rowEnds(chunk).map((end) => end + scanned);
      const bytes = pending ? Buffer.concat([pending, chunk]) : chunk;
      const last = ends.at(-1);
      if (last === undefined) {
        pending = bytes;
        return [];
      }
      pending = last + 1 < bytes.length ? bytes.subarray(last + 1) : undefined;
      return pieces(bytes, ends, maxRows);
    },
    /** Throws when COPY's output ended inside a row (it never does unless the stream was cut). */
    end(): void {
      if (pending?.length || inQuotes) throw new Error('the formatted rows ended inside a row');
    },
  };
}
