import { createReadStream, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ApiRoute } from '../http';
import { sendJson } from '../http';
import { buildOpenApiDocument } from './openapi-document';
import type { JsonObject } from './openapi-parts';

let document: JsonObject | undefined;
/** Built on first request: the schemas do not change while the process runs. */
export function openApiDocument(): JsonObject {
  document ??= buildOpenApiDocument();
  return document;
}

/** GET /api/openapi.json */
export const openApiRoute: ApiRoute = {
  method: 'GET',
  path: '/openapi.json',
  handle(_request, response) {
    response.setHeader('Cache-Control', 'no-cache');
    response.setHeader('Access-Control-Allow-Origin', '*');
    sendJson(response, 200, openApiDocument());
  },
};

/**
 * The API reference at /api/docs: Swagger UI from the swagger-ui-dist package, served from this origin
 * (nothing from a CDN). No inline script, for the Content-Security-Policy (`script-src 'self'`): the page
 * loads the bundle and /api/docs/init.js, which points it at /api/openapi.json.
 */
const page = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>CRM export API reference</title>
    <link rel="icon" type="image/png" href="/api/docs/favicon-32x32.png">
    <link rel="stylesheet" href="/api/docs/swagger-ui.css">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/api/docs/swagger-ui-bundle.js"></script>
    <script src="/api/docs/init.js"></script>
  </body>
</html>
`;

const init = `window.ui = SwaggerUIBundle({
  url: '/api/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`;

/** Resolved at run time from node_modules (also from the server bundle, which leaves it out). */
function swaggerUiDir(): string {
  return path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

/** The package's files the page uses, and nothing else of the directory. */
const assets: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

function sendText(response: Parameters<ApiRoute['handle']>[1], contentType: string, body: string): void {
  response.writeHead(200, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-cache',
  });
  response.end(body);
}

export const apiDocsRoutes: ApiRoute[] = [
  openApiRoute,
  {
    method: 'GET',
    path: /^\/docs\/?$/,
    handle: (_request, response) => sendText(response, 'text/html; charset=utf-8', page),
  },
  {
    method: 'GET',
    path: '/docs/init.js',
    handle: (_request, response) => sendText(response, 'text/javascript; charset=utf-8', init),
  },
  {
    method: 'GET',
    path: new RegExp(`^/docs/(${Object.keys(assets).join('|').replaceAll('.', '\\.')})$`),
    handle(request, response) {
      const name = request.params[0] ?? '';
      const file = path.join(swaggerUiDir(), name);
      response.writeHead(200, {
        'Content-Type': assets[name] ?? 'application/octet-stream',
        'Content-Length': statSync(file).size,
        'Cache-Control': 'public, max-age=86400',
      });
      createReadStream(file).pipe(response);
    },
  },
];
