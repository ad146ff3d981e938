import { randomUUID } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AnyRouter } from '@trpc/server';
import { structuredError } from '../shared/errors';
import { type Identity, sessionCookieName } from './auth/identity';
import { type AppServices, createContext } from './context';
import { ApiError } from './errors/api-error';
import { isUnexpected, toApiError, toStructuredError } from './errors/to-structured';
import { assertJsonContentType, readBody } from './http-body';
import { answerMetrics, createRouteLabeler, recordHttpRequest } from './metrics/http-metrics';
import { serveProcessMetrics } from './metrics/metrics';
import { projectRoot } from './project-root';
import { createTrpcHttpHandler } from './trpc-http';

/** A plain route under /api/. Its errors (thrown ApiErrors or anything else) answer with the flat shape. */
export interface ApiRoute {
  method: 'GET' | 'POST';
  /** Matched against the path after `/api`, e.g. `/health` or a RegExp with groups. */
  path: string | RegExp;
  handle(request: ApiRequest, response: http.ServerResponse): Promise<void> | void;
}

export interface ApiRequest {
  raw: http.IncomingMessage;
  url: URL;
  params: string[];
  requestId: string;
  services: AppServices;
  identity(): Promise<Identity | undefined>;
}

const staticRoot = path.join(projectRoot, 'dist', 'client');
const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/**
 * The request's cookies. A cookie whose value is not valid percent-encoding (someone else's cookie on
 * the same domain, say) is skipped instead of failing the whole request; a name seen twice keeps the first.
 */
export function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = Object.create(null);
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index <= 0) continue;
    const name = part.slice(0, index).trim();
    if (name in cookies) continue;
    try {
      cookies[name] = decodeURIComponent(part.slice(index + 1).trim());
    } catch {
      // not ours to understand
    }
  }
  return cookies;
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}

/** Who is calling: an API key in `Authorization: Bearer`, else the session cookie (through the cache). */
export async function resolveIdentity(
  services: AppServices,
  request: http.IncomingMessage,
): Promise<Identity | undefined> {
  const key = bearerToken(request.headers.authorization);
  if (key) return services.identities.apiKey(services.database.db, key);
  const token = parseCookies(request.headers.cookie)[sessionCookieName];
  return token ? services.identities.session(services.database.db, token) : undefined;
}

function requestIdOf(request: http.IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.-]{8,100}$/.test(given) ? given : randomUUID();
}

export function sendJson(response: http.ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(payload),
  });
  response.end(payload);
}

/** What `discardUnreadBody` reads and drops at most, and for how long. */
const lingerBytes = 8 * 1024 * 1024;
const lingerMs = 2000;

/**
 * Reads and drops the rest of a body we refuse without reading (413, 415, 401, …), so the answer goes out
 * once the client has sent it all. Answering first, the socket was closed (the request's `Connection:
 * close`, or ours) with the rest of the body unread in it: the kernel then resets the connection, and a
 * client still uploading loses the answer already sent to it (the abuse suite saw 3 MB POSTs closed
 * without their 413). Bounded: past 8 MB or 2 s the connection is cut without an answer (false), so a
 * body that never ends costs no more than that.
 */
function discardUnreadBody(request: http.IncomingMessage): Promise<boolean> {
  return new Promise((resolve) => {
    let dropped = 0;
    const cut = () => {
      clearTimeout(timer);
      request.socket.destroy();
      resolve(false);
    };
    const timer = setTimeout(cut, lingerMs);
    timer.unref();
    request.once('end', () => {
      clearTimeout(timer);
      resolve(true);
    });
    request.socket.once('close', () => {
      clearTimeout(timer);
      resolve(false);
    });
    request.on('data', (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > lingerBytes) cut();
    });
    request.on('error', () => {});
    request.resume();
  });
}

/** tRPC answers queries on GET and mutations on POST; anything else is refused before it reaches tRPC. */
const trpcMethods = ['GET', 'POST'] as const;
/** A batch (`/trpc/a,b,c?batch=1`) runs at most this many calls. */
export const maxBatchSize = 50;
/** Longer URLs answer 414 before any routing (Node's own header limit, 16 KB, answers 431). */
export const maxUrlLength = 8192;

/**
 * Headers on every answer. The CSP allows only this origin's scripts and styles (the built client has
 * no inline script), no framing, and data: only for images (the favicon).
 */
export const securityHeaders: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

function methodNotAllowed(method: string | undefined, where: string, allowed: readonly string[]): ApiError {
  return new ApiError(
    'METHOD_NOT_ALLOWED',
    `Method ${String(method).slice(0, 20)} is not allowed on ${where}`,
    { method: String(method).slice(0, 20), allowed: [...allowed] },
    { Allow: allowed.join(', ') },
  );
}

/**
 * The path of a request URL, or a structured 400/414. Node hands over the raw request target: it may be
 * absolute (`http://host/x`), `*`, or carry escapes that do not decode.
 */
function parseRequestUrl(raw: string | undefined): URL {
  const target = raw ?? '/';
  if (target.length > maxUrlLength)
    throw new ApiError('URI_TOO_LONG', `Request URL is longer than ${maxUrlLength} characters`, {
      limit: maxUrlLength,
    });
  if (!target.startsWith('/') || target.startsWith('//'))
    throw new ApiError('VALIDATION_ERROR', 'Request URL must be a path', { reason: 'malformed_url' });
  const url = new URL(`http://localhost${target}`);
  try {
    decodeURIComponent(url.pathname);
  } catch {
    throw new ApiError('VALIDATION_ERROR', 'Request URL has a malformed percent-escape', {
      reason: 'malformed_url',
    });
  }
  return url;
}

export function createRequestHandler(options: {
  services: AppServices;
  router: AnyRouter;
  apiRoutes?: ApiRoute[];
}) {
  const { services } = options;
  const logger = services.logger;
  const apiRoutes: ApiRoute[] = [
    { method: 'GET', path: '/health', handle: (_request, response) => healthCheck(services, response) },
    ...(options.apiRoutes ?? []),
  ];
  const routeLabel = createRouteLabeler(options.router, apiRoutes);
  // METRICS=true: GET /metrics on this port (with METRICS_PORT it has a port of its own, see main.ts).
  const metricsHere = services.env.METRICS && !services.env.METRICS_PORT;
  if (metricsHere) serveProcessMetrics(services.database);

  const trpcHandler = createTrpcHttpHandler({
    router: options.router,
    endpoint: '/trpc',
    maxBatchSize,
    async createContext(req, res) {
      const requestId = String(res.getHeader('X-Request-Id'));
      return createContext({
        services,
        requestId,
        identity: await resolveIdentity(services, req),
        sessionToken: parseCookies(req.headers.cookie)[sessionCookieName],
        clientIp: req.socket.remoteAddress,
        setHeader: (name, value) => {
          if (!res.headersSent) res.setHeader(name, value);
        },
      });
    },
    onError({ error, path: procedurePath, ctx }) {
      const entry = { request_id: ctx?.requestId, path: procedurePath, code: toApiError(error)?.code };
      if (isUnexpected(error))
        logger.error({ ...entry, err: error.cause ?? error }, 'unexpected error in procedure');
      else logger.debug(entry, error.message);
    },
  });

  /**
   * The body is read here, refused past MAX_BODY_BYTES (413) or when it is not JSON (415), and handed
   * to tRPC as a string. An empty body is no input (`{}`).
   */
  async function handleTrpc(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    url: URL,
  ): Promise<void> {
    if (!(trpcMethods as readonly string[]).includes(request.method ?? '')) {
      if (request.method === 'OPTIONS') {
        response.writeHead(204, { Allow: trpcMethods.join(', ') });
        response.end();
        return;
      }
      throw methodNotAllowed(request.method, '/trpc', trpcMethods);
    }
    let body: string | undefined;
    if (request.method === 'POST') {
      assertJsonContentType(request);
      const bytes = await readBody(request, services.env.MAX_BODY_BYTES);
      body = bytes.length ? bytes.toString('utf8') : '{}';
      if (!request.headers['content-type']) request.headers['content-type'] = 'application/json';
    }
    await trpcHandler(request, response, url, body);
  }

  async function handleApi(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    url: URL,
    requestId: string,
  ): Promise<void> {
    const subPath = url.pathname.slice('/api'.length) || '/';
    const allowed = new Set<string>();
    for (const route of apiRoutes) {
      const params = matchPath(route.path, subPath);
      if (!params) continue;
      allowed.add(route.method);
      if (route.method === 'GET') allowed.add('HEAD');
      if (route.method !== request.method && !(route.method === 'GET' && request.method === 'HEAD')) continue;
      let identity: Promise<Identity | undefined> | undefined;
      await route.handle(
        {
          raw: request,
          url,
          params,
          requestId,
          services,
          identity: () => (identity ??= resolveIdentity(services, request)),
        },
        response,
      );
      return;
    }
    if (allowed.size) throw methodNotAllowed(request.method, url.pathname, [...allowed]);
    throw new ApiError('NOT_FOUND', `No route ${String(request.method).slice(0, 20)} ${url.pathname}`, {
      method: String(request.method).slice(0, 20),
      path: url.pathname.slice(0, 500),
    });
  }

  /** Anything thrown while serving becomes the flat structured error (and a log line if unforeseen). */
  function answerError(
    error: unknown,
    request: http.IncomingMessage,
    response: http.ServerResponse,
    requestId: string,
  ): void {
    if (request.socket.destroyed) {
      logger.info({ request_id: requestId }, 'request abandoned by the client');
      return;
    }
    if (isUnexpected(error))
      logger.error(
        { request_id: requestId, url: request.url?.slice(0, 500), err: error },
        'unexpected error',
      );
    else logger.debug({ request_id: requestId, code: toApiError(error)?.code }, 'request refused');
    if (response.headersSent) {
      response.destroy();
      return;
    }
    const body = toStructuredError(error, requestId);
    for (const [name, value] of Object.entries(toApiError(error)?.headers ?? {}))
      response.setHeader(name, value);
    if (request.complete) sendJson(response, body.status_code, body);
    else
      void discardUnreadBody(request).then((whole) => {
        if (whole) sendJson(response, body.status_code, body);
      });
  }

  return function handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const started = process.hrtime.bigint();
    const requestId = requestIdOf(request);
    response.setHeader('X-Request-Id', requestId);
    for (const [name, value] of Object.entries(securityHeaders)) response.setHeader(name, value);
    response.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      recordHttpRequest(routeLabel, request, response.statusCode, ms / 1000);
      logger.info(
        {
          request_id: requestId,
          method: request.method,
          url: request.url?.slice(0, 2000),
          status: response.statusCode,
          ms: Math.round(ms * 10) / 10,
        },
        'request',
      );
    });
    const route = async (): Promise<void> => {
      const url = parseRequestUrl(request.url);
      if (metricsHere && url.pathname === '/metrics') await answerMetrics(request, response);
      else if (url.pathname === '/trpc' || url.pathname.startsWith('/trpc/'))
        await handleTrpc(request, response, url);
      else if (url.pathname === '/api' || url.pathname.startsWith('/api/'))
        await handleApi(request, response, url, requestId);
      else await serveClient(request, url, response, services.env.NODE_ENV === 'production');
    };
    route().catch((error: unknown) => answerError(error, request, response, requestId));
  };
}

function matchPath(pattern: string | RegExp, subPath: string): string[] | undefined {
  if (typeof pattern === 'string') return pattern === subPath ? [] : undefined;
  const match = pattern.exec(subPath);
  // parseRequestUrl has checked that the path decodes.
  return match ? match.slice(1).map((part) => decodeURIComponent(part)) : undefined;
}

async function healthCheck(services: AppServices, response: http.ServerResponse): Promise<void> {
  await services.database.query('select 1');
  sendJson(response, 200, { status: 'ok', database: services.database.kind });
}

/** The built client, with index.html for every app route so deep links and reloads work. */
async function serveClient(
  request: http.IncomingMessage,
  url: URL,
  response: http.ServerResponse,
  production: boolean,
): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD')
    throw methodNotAllowed(request.method, url.pathname, ['GET', 'HEAD']);
  const relative = path.normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '');
  let file = path.join(staticRoot, relative);
  // Source maps stay on the server in production: they would publish the client's source.
  const hidden = production && file.endsWith('.map');
  if (hidden || relative.includes('\0') || !file.startsWith(staticRoot) || !isFile(file))
    file = path.join(staticRoot, 'index.html');
  if (!isFile(file)) {
    response.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' });
    response.end('The client is not built yet: run `npm run build` (npm start does it for you).');
    return;
  }
  const isAsset = relative.startsWith('assets/') && file !== path.join(staticRoot, 'index.html');
  response.writeHead(200, {
    'Content-Type': contentTypes[path.extname(file)] ?? 'application/octet-stream',
    'Cache-Control': isAsset ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  await pipeline(createReadStream(file), response);
}

function isFile(file: string): boolean {
  try {
    return existsSync(file) && statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * A request Node could not parse (a URL or headers over its 16 KB limit, a malformed request line) never
 * reaches the handler; Node would answer with a bare status line. It gets the structured body instead.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || (error as { bytesParsed?: number }).bytesParsed === undefined) {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const body = tooLarge
    ? structuredError('HEADERS_TOO_LARGE', 'Request URL or headers are larger than the server reads')
    : structuredError('VALIDATION_ERROR', 'The request could not be parsed as HTTP', {
        reason: 'malformed_request',
      });
  const payload = JSON.stringify(body);
  const headers = Object.entries({
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(payload)),
    Connection: 'close',
    ...securityHeaders,
  })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(
    `HTTP/1.1 ${body.status_code} ${http.STATUS_CODES[body.status_code]}\r\n${headers}\r\n${payload}`,
  );
}

export function createHttpServer(options: Parameters<typeof createRequestHandler>[0]): http.Server {
  const server = http.createServer(createRequestHandler(options));
  // Above the idle timeouts of common load balancers (AWS ALB 60 s), so they never reuse a closed socket.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 5 * 60_000;
  server.on('clientError', answerClientError);
  // Node answers an Expect it does not know with a bare 417; this one says why, in the structured shape.
  server.on('checkExpectation', (request: http.IncomingMessage, response: http.ServerResponse) => {
    const expectation = String(request.headers.expect).slice(0, 100);
    const body = structuredError('EXPECTATION_FAILED', `Expect '${expectation}' is not supported`, {
      supported: ['100-continue'],
    });
    for (const [name, value] of Object.entries(securityHeaders)) response.setHeader(name, value);
    response.setHeader('Connection', 'close');
    sendJson(response, body.status_code, body);
  });
  return server;
}
