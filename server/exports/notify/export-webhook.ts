import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction, Socket, type TcpNetConnectOpts } from 'node:net';
import type { Duplex } from 'node:stream';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';
import type { ExportSummary } from '../../../shared/exports';
import type { ExportEvent } from '../run-export';
import { signatureHeader, signWebhook, timestampHeader } from './webhook-signature';
import { addressRefusal } from './webhook-target';

/** How much of a receiver's answer is read (for the log); the rest is never downloaded. */
export const maxAnswerBytes = 4096;
export const defaultWebhookTimeoutMs = 10_000;

export class WebhookRefusedError extends Error {
  override name = 'WebhookRefusedError';
}

/**
 * Resolves like `dns.lookup`, but fails when any address of the name is not public: the check happens
 * when the socket connects, on the addresses it connects to, so a name re-pointed at an internal address
 * after the export was started (DNS rebinding) is refused too.
 */
function publicOnlyLookup(resolve: LookupFunction): LookupFunction {
  return ((hostname: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error);
      const entries = addresses as unknown as dns.LookupAddress[];
      for (const { address } of entries) {
        const refusal = addressRefusal(address);
        if (refusal) return callback(new WebhookRefusedError(`webhook host '${hostname}': ${refusal}`));
      }
      if (options.all) return callback(null, entries);
      const [first] = entries;
      if (!first) return callback(new WebhookRefusedError(`webhook host '${hostname}' has no address`));
      return callback(null, first.address, first.family);
    });
  }) as LookupFunction;
}

type ConnectionListener = (error: Error | null, socket: Duplex) => void;

/**
 * What our agents add to request-filtering-agent's, which refuse non-public addresses as they connect (a
 * literal IP, or each address the name resolves to): the few ranges ipaddr.js counts as unicast
 * (webhook-target.ts), and the resolver taken from the request, so tests can point a name anywhere.
 * Returns the options to connect with, or a socket already failed with the refusal.
 */
function guardConnection(
  options: TcpNetConnectOpts,
  resolve: LookupFunction,
  listener: ConnectionListener | undefined,
): TcpNetConnectOpts | Socket {
  const host = options.host?.replace(/^\[|\]$/g, '');
  const refusal = host && isIP(host) ? addressRefusal(host) : undefined;
  if (!refusal) return { ...options, lookup: publicOnlyLookup(resolve) };
  // Fail the request the way a refused connection would, without ever connecting.
  const error = new WebhookRefusedError(`webhook address ${refusal}`);
  const socket = new Socket();
  if (listener) listener(error, socket);
  else socket.destroy(error);
  return socket;
}

class GuardedHttpAgent extends RequestFilteringHttpAgent {
  constructor(private readonly resolve: LookupFunction) {
    super({ keepAlive: false });
  }
  override createConnection(options: TcpNetConnectOpts, listener?: ConnectionListener) {
    const guarded = guardConnection(options, this.resolve, listener);
    return guarded instanceof Socket ? guarded : super.createConnection(guarded, listener);
  }
}

class GuardedHttpsAgent extends RequestFilteringHttpsAgent {
  constructor(private readonly resolve: LookupFunction) {
    super({ keepAlive: false });
  }
  override createConnection(options: TcpNetConnectOpts, listener?: ConnectionListener) {
    const guarded = guardConnection(options, this.resolve, listener);
    return guarded instanceof Socket ? guarded : super.createConnection(guarded, listener);
  }
}

export interface DeliveryOptions {
  /** Let the delivery reach loopback and private addresses (WEBHOOK_ALLOW_PRIVATE_NETWORKS). */
  allowPrivateNetworks: boolean;
  /** The whole attempt (connect, send, answer) is given up after this long. */
  timeoutMs?: number;
  /** The name resolver (dns.lookup); tests give their own. */
  resolve?: LookupFunction;
}

export interface DeliveryResult {
  status: number;
  /** The first bytes of the answer, at most maxAnswerBytes. */
  answer: string;
}

/**
 * POSTs `{ event, export }` to the URL the requester gave, signed. Throws on a refused address, a network
 * error, a timeout or a non-2xx answer, so the pg-boss job retries it with backoff. At most
 * maxAnswerBytes of the answer are read: a receiver cannot make the server download without end.
 */
export async function deliverWebhook(
  url: string,
  secret: string,
  event: ExportEvent,
  summary: ExportSummary,
  deliveryId: string,
  options: DeliveryOptions,
): Promise<DeliveryResult> {
  // A scheduled run names its schedule at the top level too, so a receiver can route it without digging.
  const body = JSON.stringify({
    event,
    ...(summary.scheduleId ? { schedule_id: summary.scheduleId } : {}),
    export: summary,
  });
  const timestamp = Math.floor(Date.now() / 1000);
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  if (!secure && target.protocol !== 'http:')
    throw new WebhookRefusedError(`webhook URL scheme ${target.protocol}`);
  const agent = options.allowPrivateNetworks
    ? new (secure ? https.Agent : http.Agent)({ keepAlive: false })
    : new (secure ? GuardedHttpsAgent : GuardedHttpAgent)(options.resolve ?? (dns.lookup as LookupFunction));
  const timeoutMs = options.timeoutMs ?? defaultWebhookTimeoutMs;

  try {
    return await new Promise<DeliveryResult>((resolve, reject) => {
      const request = (secure ? https : http).request(target, {
        method: 'POST',
        agent,
        ...(options.allowPrivateNetworks && options.resolve ? { lookup: options.resolve } : {}),
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(body),
          'User-Agent': 'crm-export-webhooks/1',
          [timestampHeader]: String(timestamp),
          [signatureHeader]: signWebhook(secret, timestamp, body),
          'X-CRM-Delivery': deliveryId,
          'X-CRM-Event': event,
        },
      });
      let answering: http.IncomingMessage | undefined;
      // Covers the whole attempt: connecting, sending, and an answer whose body trickles without end.
      const timer = setTimeout(() => {
        const error = new Error(`webhook ${target.origin} did not answer within ${timeoutMs} ms`);
        finish(() => reject(error));
        answering?.destroy();
        request.destroy();
      }, timeoutMs);
      let settled = false;
      const finish = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        outcome();
      };
      request.on('error', (error) => finish(() => reject(error)));
      request.on('response', (response) => {
        answering = response;
        const chunks: Buffer[] = [];
        let received = 0;
        const done = () => {
          response.removeAllListeners('data');
          // The rest of the answer is not wanted: close the connection rather than drain it.
          response.destroy();
          request.destroy();
          const status = response.statusCode ?? 0;
          const answer = Buffer.concat(chunks).subarray(0, maxAnswerBytes).toString('utf8');
          finish(() =>
            status >= 200 && status < 300
              ? resolve({ status, answer })
              : reject(new Error(`webhook ${target.origin} answered ${status}: ${answer.slice(0, 200)}`)),
          );
        };
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          received += chunk.length;
          if (received >= maxAnswerBytes) done();
        });
        response.on('end', done);
        response.on('error', (error) => finish(() => reject(error)));
      });
      request.end(body);
    });
  } finally {
    agent.destroy();
  }
}
