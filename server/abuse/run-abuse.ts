/**
 * `npm run test:abuse`: the abuse suite of issue 9, over raw HTTP against the real server (`npm start`'s
 * compiled one) in its own process (PGlite in a temporary DATA_DIR, or with DATABASE_URL a fresh database on that server).
 *
 * Pass means: no 5xx; every 4xx in the structured shape (flat, or as tRPC's `error.data`, or each
 * element of a batch); the process still running and answering /api/health; and the canaries — what
 * another workspace (Globex) holds, and the Acme viewer's rights — unchanged. Prints the case count and
 * the status histogram. `ABUSE_CASES` (default 10,000 generated) and `ABUSE_SEED` repeat a run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorCatalog, isErrorCode } from '../../shared/errors';
import { appRouter } from '../router';
import { freePort, freshPostgres, stopServer, waitForHealth } from '../testing/server-process';
import {
  type AbuseCase,
  type Credentials,
  generatedCases,
  namedCases,
  type ProcedureInfo,
} from './abuse-cases';
import { type RawAnswer, sendRaw } from './raw-http';

const root = fileURLToPath(new URL('../..', import.meta.url));
const caseCount = Number(process.env.ABUSE_CASES ?? 10_000);
const seed = Number(process.env.ABUSE_SEED ?? Date.now() % 1_000_000);
const concurrency = 8;
const started = performance.now();
const log = (message: string) =>
  console.log(`[abuse ${((performance.now() - started) / 1000).toFixed(1)}s] ${message}`);

async function trpc<T>(
  url: string,
  procedure: string,
  input: unknown,
  cookie?: string,
  type = 'query',
): Promise<T> {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    ...(cookie ? { Cookie: cookie } : {}),
  };
  const response =
    type === 'query'
      ? await fetch(`${url}/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`, {
          headers,
        })
      : await fetch(`${url}/trpc/${procedure}`, { method: 'POST', headers, body: JSON.stringify(input) });
  const body = (await response.json()) as { result?: { data: T }; error?: unknown };
  if (!response.ok || !body.result)
    throw new Error(`${procedure}: ${response.status} ${JSON.stringify(body.error)}`);
  return body.result.data;
}

async function login(url: string, email: string): Promise<string> {
  const response = await fetch(`${url}/trpc/auth.login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password: 'demo1234' }),
  });
  const cookie = /crm_session=[^;]+/.exec(response.headers.get('set-cookie') ?? '')?.[0];
  if (!cookie) throw new Error(`login as ${email} failed: ${response.status}`);
  return cookie;
}

/** What must not change whatever the cases do: another workspace's data and the viewer's rights. */
async function canaries(url: string, globexCookie: string, viewerCookie: string) {
  const counts: Record<string, unknown> = {};
  for (const object of ['people', 'companies', 'conversations', 'activities'])
    counts[`globex.${object}`] = (
      await trpc<{ total: number }>(url, `${object}.count`, {}, globexCookie)
    ).total;
  counts['globex.views'] = (await trpc<unknown[]>(url, 'views.list', {}, globexCookie)).length;
  counts['globex.exports'] = (
    await trpc<{ exports: unknown[] }>(url, 'listExports', { limit: 100 }, globexCookie)
  ).exports.length;
  counts['globex.apiKeys'] = (await trpc<unknown[]>(url, 'apiKeys.list', {}, globexCookie)).length;
  const viewer = await trpc<{ user: { role: string }; scopes: string[] }>(url, 'auth.me', {}, viewerCookie);
  counts['acme.viewer.role'] = viewer.user.role;
  return counts;
}

type Verdict =
  | { ok: true; status: number | 'closed' }
  | { ok: false; status: number | 'closed' | 'error'; why: string };

function isStructured(value: unknown, status?: number): boolean {
  if (!value || typeof value !== 'object') return false;
  const error = value as Record<string, unknown>;
  if (!isErrorCode(error.code)) return false;
  const spec = errorCatalog[error.code];
  return (
    error.status_code === spec.status &&
    error.type === spec.type &&
    typeof error.message === 'string' &&
    (status === undefined || status === spec.status)
  );
}

/** A tRPC answer holds the structured error as `error.data`; a batch, one answer per call. */
function structuredBody(body: unknown, status: number): boolean {
  if (Array.isArray(body)) return body.every((item) => !item?.error || isStructured(item.error.data));
  const envelope = body as { error?: { data?: unknown } };
  if (envelope?.error) return isStructured(envelope.error.data, status);
  return isStructured(body, status);
}

function judge(testCase: AbuseCase, answer: RawAnswer | undefined): Verdict {
  if (!answer) {
    // Only a client that hung up mid-upload may be left without an answer.
    return testCase.request.truncateAfter !== undefined
      ? { ok: true, status: 'closed' }
      : { ok: false, status: 'closed', why: 'connection closed without an answer' };
  }
  if (answer.status >= 500)
    return { ok: false, status: answer.status, why: answer.body.toString('utf8').slice(0, 300) };
  if (answer.status >= 400 && testCase.request.method !== 'HEAD') {
    let body: unknown;
    try {
      body = JSON.parse(answer.body.toString('utf8'));
    } catch {
      return {
        ok: false,
        status: answer.status,
        why: `error body is not JSON: ${answer.body.toString('utf8').slice(0, 200)}`,
      };
    }
    if (!structuredBody(body, answer.status))
      return {
        ok: false,
        status: answer.status,
        why: `error body not structured: ${JSON.stringify(body).slice(0, 300)}`,
      };
  }
  return { ok: true, status: answer.status };
}

async function runCases(port: number, cases: AbuseCase[]) {
  const histogram = new Map<string, number>();
  const byFamily = new Map<string, number>();
  const failures: { testCase: AbuseCase; verdict: Verdict }[] = [];
  let next = 0;
  async function lane() {
    while (next < cases.length) {
      const testCase = cases[next++] as AbuseCase;
      let verdict: Verdict;
      try {
        verdict = judge(testCase, await sendRaw(port, testCase.request));
      } catch (error) {
        verdict = { ok: false, status: 'error', why: error instanceof Error ? error.message : String(error) };
      }
      histogram.set(String(verdict.status), (histogram.get(String(verdict.status)) ?? 0) + 1);
      byFamily.set(testCase.family, (byFamily.get(testCase.family) ?? 0) + 1);
      if (!verdict.ok) failures.push({ testCase, verdict });
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { histogram, byFamily, failures };
}

async function main(): Promise<number> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'crm-abuse-'));
  const database = process.env.DATABASE_URL
    ? await freshPostgres(process.env.DATABASE_URL, 'crm_abuse')
    : undefined;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let server: ChildProcess | undefined;
  try {
    log(`starting the server on ${database ? 'a fresh Postgres database' : 'PGlite'} at ${url}`);
    // What `npm start` runs: the compiled server (built first when missing or stale), not the sources.
    server = spawn(process.execPath, ['scripts/start.mjs'], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        NODE_ENV: 'test',
        PORT: String(port),
        DATA_DIR: dataDir,
        DATABASE_URL: database?.url ?? '',
        APP_URL: url,
        LOG_LEVEL: 'error',
        // The cases must reach validation, not stop at the rate limit.
        RATE_LIMIT_READS_PER_SECOND: '100000',
        RATE_LIMIT_WRITES_PER_SECOND: '100000',
        EXPORT_CONCURRENCY_PER_WORKSPACE: '1',
      },
    });
    await waitForHealth(url, { server, timeoutMs: 180_000 });

    const adminCookie = await login(url, 'admin@acme.test');
    const viewerCookie = await login(url, 'viewer@acme.test');
    const globexCookie = await login(url, 'admin@globex.test');
    const key = await trpc<{ key: string }>(
      url,
      'apiKeys.create',
      {
        name: 'abuse suite',
        scopes: ['records:read', 'records:write', 'exports:read', 'exports:write', 'views:read'],
      },
      adminCookie,
      'mutation',
    );
    const person = await trpc<{ records: { id: string }[] }>(url, 'people.list', { limit: 1 }, adminCookie);
    const view = await trpc<{ id: string }>(
      url,
      'views.create',
      { object: 'people', name: 'Abuse canary view' },
      adminCookie,
      'mutation',
    );
    const started = await trpc<{ id: string }>(
      url,
      'startExport',
      { object: 'companies', format: 'csv' },
      adminCookie,
      'mutation',
    );
    const credentials: Credentials = {
      adminCookie,
      viewerCookie,
      apiKey: key.key,
      personId: person.records[0]?.id ?? '',
      viewId: view.id,
      exportId: started.id,
    };
    const before = await canaries(url, globexCookie, viewerCookie);

    const procedures: ProcedureInfo[] = Object.entries(appRouter._def.procedures).map(
      ([procedurePath, procedure]) => ({
        path: procedurePath,
        type: (procedure as { _def: { type: ProcedureInfo['type'] } })._def.type,
      }),
    );
    const cases = [
      ...namedCases(credentials, procedures),
      ...generatedCases(credentials, procedures, seed, caseCount),
    ];
    log(
      `${cases.length} cases (seed ${seed}) over ${procedures.length} procedures, ${concurrency} at a time`,
    );
    const result = await runCases(port, cases);

    const alive =
      server.exitCode === null &&
      (await fetch(`${url}/api/health`).then(
        (response) => response.ok,
        () => false,
      ));
    const after = alive ? await canaries(url, globexCookie, viewerCookie) : {};
    const changed = Object.keys(before).filter((name) => before[name] !== after[name]);

    log(`cases: ${cases.length} (${[...result.byFamily].map(([family, n]) => `${family} ${n}`).join(', ')})`);
    log(
      `statuses: ${[...result.histogram]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([status, n]) => `${status}×${n}`)
        .join('  ')}`,
    );
    log(
      `server still answering: ${alive ? 'yes' : 'NO'}; canaries: ${changed.length ? `CHANGED ${changed.join(', ')}` : `unchanged (${Object.keys(before).length})`}`,
    );
    for (const failure of result.failures.slice(0, 20)) {
      const { method, target } = failure.testCase.request;
      console.log(
        `  FAIL [${failure.testCase.family}] ${method} ${target.slice(0, 160)} → ${failure.verdict.status}: ${'why' in failure.verdict ? failure.verdict.why : ''}`,
      );
    }
    if (result.failures.length > 20) console.log(`  … and ${result.failures.length - 20} more failures`);
    const passed = result.failures.length === 0 && alive && changed.length === 0;
    log(passed ? 'PASS' : `FAIL (${result.failures.length} failing cases; seed ${seed})`);
    return passed ? 0 : 1;
  } finally {
    if (server) await stopServer(server);
    await database
      ?.drop()
      .catch((error: unknown) => console.error('could not drop the abuse database', error));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
