import type http from 'node:http';
import { ApiError } from './errors/api-error';

/** The media types a JSON body may be sent as (tRPC's client sends `application/json`). */
const jsonMediaTypes = new Set(['application/json']);

function mediaTypeOf(request: http.IncomingMessage): string | undefined {
  const header = request.headers['content-type'];
  if (!header) return undefined;
  return header.split(';', 1)[0]?.trim().toLowerCase();
}

/** Refuses a body that is not JSON before any of it is read: 415 naming what is accepted. */
export function assertJsonContentType(request: http.IncomingMessage): void {
  const mediaType = mediaTypeOf(request);
  // No Content-Type at all is taken as JSON: curl and many clients omit it on small bodies.
  if (mediaType === undefined || jsonMediaTypes.has(mediaType)) return;
  throw new ApiError('UNSUPPORTED_MEDIA_TYPE', `Content-Type '${mediaType.slice(0, 100)}' is not supported`, {
    content_type: mediaType.slice(0, 100),
    supported: [...jsonMediaTypes],
  });
}

export function payloadTooLarge(limitBytes: number): ApiError {
  return new ApiError('PAYLOAD_TOO_LARGE', `Request body is larger than ${limitBytes} bytes`, {
    limit_bytes: limitBytes,
  });
}

/**
 * Reads a request body of at most `maxBytes`. A declared Content-Length over the limit is refused before
 * anything is read; a chunked body is counted as it arrives and refused the moment it passes the limit, so
 * a huge body never costs more than the limit in memory.
 */
export function readBody(request: http.IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(payloadTooLarge(maxBytes));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const cleanUp = () => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('aborted', onAborted);
    };
    // Not `for await`: leaving that loop destroys the request, and with it the socket the 413 goes out on.
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) {
        cleanUp();
        request.pause();
        reject(payloadTooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanUp();
      resolve(Buffer.concat(chunks, received));
    };
    const onError = (error: Error) => {
      cleanUp();
      reject(error);
    };
    const onAborted = () => onError(new Error('request aborted by the client'));
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('aborted', onAborted);
  });
}

/** A JSON body (415 if it is declared as something else, 413 past the limit, 400 if it does not parse). */
export async function readJsonBody(
  request: http.IncomingMessage,
  options: { maxBytes: number },
): Promise<unknown> {
  assertJsonContentType(request);
  const body = await readBody(request, options.maxBytes);
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new ApiError('VALIDATION_ERROR', 'Request body is not valid JSON', {
      reason: error instanceof Error ? error.message.slice(0, 200) : 'unparseable',
    });
  }
}
