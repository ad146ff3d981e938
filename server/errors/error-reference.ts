import { type ErrorCode, errorCatalog, errorCodes, structuredError } from '../../shared/errors';

/** docs/errors.md, generated from the catalog (`npm run docs:errors`); a test keeps the committed file in step. */
export function renderErrorReference(): string {
  const lines = [
    '# Error reference',
    '',
    '<!-- Generated from shared/errors.ts by `npm run docs:errors`. Do not edit by hand. -->',
    '',
    'Every endpoint answers errors in one structured shape:',
    '',
    '```json',
    JSON.stringify(
      structuredError(
        'INVALID_FILTER',
        errorCatalog.INVALID_FILTER.example.message,
        errorCatalog.INVALID_FILTER.example.details,
        'req_…',
      ),
    ),
    '```',
    '',
    '- **Plain routes** (`/api/…`, such as `/api/health` and export downloads) send it as the whole body, with the',
    '  HTTP status equal to `status_code`.',
    "- **tRPC** (`/trpc/…`) keeps tRPC's envelope, because `@trpc/client` only recognises an error whose `code` is a",
    '  number; the structured error is its `data` (plus `httpStatus` and the procedure `path`), and the HTTP status',
    '  equals `status_code`:',
    '',
    '```json',
    JSON.stringify({
      error: {
        message: errorCatalog.INVALID_FILTER.example.message,
        code: -32600,
        data: {
          ...structuredError(
            'INVALID_FILTER',
            errorCatalog.INVALID_FILTER.example.message,
            errorCatalog.INVALID_FILTER.example.details,
            'req_…',
          ),
          httpStatus: 400,
          path: 'people.list',
        },
      },
    }),
    '```',
    '',
    '- TypeScript clients read it with `structuredErrorOf(error)` (exported by the package), whose `code` is typed',
    '  as the union of the codes below.',
    '- Every response carries an `X-Request-Id` header; the same id is `request_id` in error bodies and in the',
    '  server log line, so a 500 can be traced without the server ever sending its internals.',
    '',
    '## Codes',
    '',
    '| code | status | type | when |',
    '|---|---|---|---|',
    ...errorCodes.map((code) => {
      const spec = errorCatalog[code];
      return `| [\`${code}\`](#${code.toLowerCase()}) | ${spec.status} | \`${spec.type}\` | ${spec.summary} |`;
    }),
    '',
    ...errorCodes.flatMap((code) => section(code)),
  ];
  return `${lines.join('\n')}\n`;
}

function section(code: ErrorCode): string[] {
  const spec = errorCatalog[code];
  const example = structuredError(
    code,
    spec.example.message,
    'details' in spec.example ? spec.example.details : undefined,
    'req_…',
  );
  return [
    `### ${code}`,
    '',
    `\`${spec.status}\` · \`${spec.type}\``,
    '',
    `**When:** ${spec.summary}`,
    '',
    `**What to do:** ${spec.remedy}`,
    '',
    '```json',
    JSON.stringify(example, null, 2),
    '```',
    '',
  ];
}
