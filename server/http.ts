import { randomUUID } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AnyRouter } from '@trpc/server';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { type Identity, identityFromApiKey, identityFromSession, sessionCookieName } from './auth/identity';
import { type AppServices, createContext } from './context';
import { ApiError } from './errors/api-error';
import { isUnexpected, toApiError, toStructuredError } from './errors/to-structured';
import { projectRoot } from './project-root';

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

export function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index > 0) cookies[part.slice(0, index).trim()] = decodeURIComponent(part.slice(index + 1).trim());
  }
  return cookies;
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}

/** Who is calling: an API key in `Authorization: Bearer`, else the session cookie. */
export async function resolveIdentity(
  services: AppServices,
  request: http.IncomingMessage,
): Promise<Identity | undefined> {
  const key = bearerToken(request.headers.authorization);
  if (key) return identityFromApiKey(services.database.db, key);
  const token = parseCookies(request.headers.cookie)[sessionCookieName];
  return token ? identityFromSession(services.database.db, token) : undefined;
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

  const trpcHandler = createHTTPHandler({
    router: options.router,
    basePath: '/trpc/',
    async createContext({ req, res }) {
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

  async function handleApi(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    url: URL,
    requestId: string,
  ) {
    const subPath = url.pathname.slice('/api'.length) || '/';
    try {
      for (const route of apiRoutes) {
        const params = matchPath(route.path, subPath);
        if (!params) continue;
        if (route.method !== request.method && !(route.method === 'GET' && request.method === 'HEAD'))
          continue;
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
      throw new ApiError('NOT_FOUND', `No route ${request.method} ${url.pathname}`, {
        method: request.method,
        path: url.pathname,
      });
    } catch (error) {
      if (isUnexpected(error))
        logger.error({ request_id: requestId, err: error }, 'unexpected error in api route');
      const body = toStructuredError(error, requestId);
      for (const [name, value] of Object.entries(toApiError(error)?.headers ?? {}))
        response.setHeader(name, value);
      if (response.headersSent) response.destroy();
      else sendJson(response, body.status_code, body);
    }
  }

  return function handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const started = process.hrtime.bigint();
    const requestId = requestIdOf(request);
    response.setHeader('X-Request-Id', requestId);
    response.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.info(
        {
          request_id: requestId,
          method: request.method,
          url: request.url,
          status: response.statusCode,
          ms: Math.round(ms * 10) / 10,
        },
        'request',
      );
    });
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === '/trpc' || url.pathname.startsWith('/trpc/')) {
      trpcHandler(request, response);
    } else if (url.pathname === '/api' || url.pathname.startsWith('/api/')) {
      void handleApi(request, response, url, requestId);
    } else {
      serveClient(url, response);
    }
  };
}

function matchPath(pattern: string | RegExp, subPath: string): string[] | undefined {
  if (typeof pattern === 'string') return pattern === subPath ? [] : undefined;
  const match = pattern.exec(subPath);
  return match ? match.slice(1).map((part) => decodeURIComponent(part)) : undefined;
}

async function healthCheck(services: AppServices, response: http.ServerResponse): Promise<void> {
  await services.database.query('select 1');
  sendJson(response, 200, { status: 'ok', database: services.database.kind });
}

/** The built client, with index.html for every app route so deep links and reloads work. */
function serveClient(url: URL, response: http.ServerResponse): void {
  const relative = path.normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '');
  let file = path.join(staticRoot, relative);
  if (!file.startsWith(staticRoot) || !existsSync(file) || !statSync(file).isFile())
    file = path.join(staticRoot, 'index.html');
  if (!existsSync(file)) {
    response.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' });
    response.end('The client is not built yet: run `npm run build` (npm start does it for you).');
    return;
  }
  const isAsset = relative.startsWith('assets/');
  response.writeHead(200, {
    'Content-Type': contentTypes[path.extname(file)] ?? 'application/octet-stream',
    'Cache-Control': isAsset ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  createReadStream(file).pipe(response);
}

export function createHttpServer(options: Parameters<typeof createRequestHandler>[0]): http.Server {
  return http.createServer(createRequestHandler(options));
}
