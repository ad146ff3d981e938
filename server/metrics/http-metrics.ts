import http from 'node:http';
import type { AnyRouter } from '@trpc/server';
import type { Database } from '../db/database';
import type { ApiRoute } from '../http';
import { metricsContentType, metricsText, observeHttpRequest, serveProcessMetrics } from './metrics';

/**
 * The `route` label of a request: a known tRPC procedure (`/trpc/exportStatus`), a batch, an /api route's
 * pattern (`/api/v1/exports/:id`), or the client's files. Never the raw path: labels stay few whatever
 * clients send (an unknown procedure or path is one label, not one per path).
 */
export function createRouteLabeler(router: AnyRouter, apiRoutes: readonly ApiRoute[]) {
  const procedures = new Set(Object.keys(router._def.procedures as Record<string, unknown>));
  const patterns = apiRoutes.map((route) => ({
    route,
    label: `/api${typeof route.path === 'string' ? route.path : patternLabel(route.path)}`,
  }));
  return (rawUrl: string | undefined): string => {
    const pathname = (rawUrl ?? '/').split('?')[0] ?? '/';
    if (pathname === '/metrics') return '/metrics';
    if (pathname === '/trpc' || pathname.startsWith('/trpc/')) {
      const names = pathname.slice('/trpc/'.length).split(',');
      if (names.length > 1) return '/trpc (batch)';
      return procedures.has(names[0] ?? '') ? `/trpc/${names[0]}` : '/trpc (unknown)';
    }
    if (pathname === '/api' || pathname.startsWith('/api/')) {
      const subPath = pathname.slice('/api'.length) || '/';
      const matched = patterns.find(({ route }) =>
        typeof route.path === 'string' ? route.path === subPath : route.path.test(subPath),
      );
      return matched?.label ?? '/api (no route)';
    }
    return '/ (client)';
  };
}

/** `^/v1/exports/([0-9a-f-]{36})/download$` → `/v1/exports/:id/download`. */
function patternLabel(pattern: RegExp): string {
  return pattern.source
    .replace(/^\^/, '')
    .replace(/\$$/, '')
    .replace(/\((?:[^()\\]|\\.)*\)/g, ':id')
    .replace(/\\\//g, '/');
}

/** Counts a finished request (call from the response's `finish`). */
export function recordHttpRequest(
  label: (url: string | undefined) => string,
  request: http.IncomingMessage,
  status: number,
  seconds: number,
): void {
  observeHttpRequest(label(request.url), String(request.method), status, seconds);
}

/** GET /metrics: Prometheus's text format, with the metrics of this process's worker threads merged in. */
export async function answerMetrics(
  request: http.IncomingMessage,
  response: http.ServerResponse,
): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' });
    response.end('GET /metrics\n');
    return;
  }
  const text = await metricsText();
  response.writeHead(200, { 'Content-Type': metricsContentType, 'Cache-Control': 'no-store' });
  response.end(request.method === 'HEAD' ? undefined : text);
}

/**
 * METRICS_PORT: /metrics alone on its own port (all interfaces, for a Prometheus on another machine; keep
 * the port closed to the public), apart from the app's port. Anything else answers 404.
 */
export async function startMetricsServer(port: number, database: Database): Promise<http.Server> {
  serveProcessMetrics(database);
  const server = http.createServer((request, response) => {
    if ((request.url ?? '').split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'Content-Type': 'text/plain' });
      response.end('Only GET /metrics here\n');
      return;
    }
    answerMetrics(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve());
  });
  server.unref();
  return server;
}
