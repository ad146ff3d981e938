import net from 'node:net';

/** One request exactly as it goes on the wire: nothing is fixed up, escaped or counted for us. */
export interface RawRequest {
  method: string;
  target: string;
  headers: [string, string][];
  body?: Buffer;
  /** Send the head and part of the body, then close our side: a client that went away mid-upload. */
  truncateAfter?: number;
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Bytes of a request; `Connection: close` so the answer ends when the server closes. */
export function serialize(request: RawRequest): Buffer {
  const head = [`${request.method} ${request.target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close']
    .concat(request.headers.map(([name, value]) => `${name}: ${value}`))
    .join('\r\n');
  return Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'latin1'), request.body ?? Buffer.alloc(0)]);
}

function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < body.length) {
    const lineEnd = body.indexOf('\r\n', offset);
    if (lineEnd < 0) break;
    const size = Number.parseInt(body.subarray(offset, lineEnd).toString('latin1'), 16);
    if (!size) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

export function parseAnswer(received: Buffer): RawAnswer | undefined {
  let bytes = received;
  // Interim answers (100 Continue) come before the real one.
  while (/^HTTP\/1\.[01] 1\d\d /.test(bytes.subarray(0, 16).toString('latin1'))) {
    const interimEnd = bytes.indexOf('\r\n\r\n');
    if (interimEnd < 0) return undefined;
    bytes = bytes.subarray(interimEnd + 4);
  }
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rawBody = bytes.subarray(end + 4);
  const body = /chunked/i.test(headers['transfer-encoding'] ?? '') ? dechunk(rawBody) : rawBody;
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}

/**
 * Sends the request on a fresh connection and reads until the server closes it. Resolves `undefined`
 * when the server closed without answering (fine only for a truncated upload, which the caller decides).
 */
export function sendRaw(
  port: number,
  request: RawRequest,
  timeoutMs = 20_000,
): Promise<RawAnswer | undefined> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => {
      // A reset after the answer (the server closing on an unread body) still leaves the answer read.
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(parseAnswer(Buffer.concat(chunks)));
    });
    const bytes = serialize(request);
    // Not ended after a whole request: the answer is awaited on the open connection (Connection: close).
    if (request.truncateAfter === undefined) socket.write(bytes);
    else {
      const head = bytes.indexOf('\r\n\r\n') + 4;
      socket.end(bytes.subarray(0, head + request.truncateAfter));
    }
  });
}
