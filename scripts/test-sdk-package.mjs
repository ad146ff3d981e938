/**
 * `npm run test:sdk` (a step of .ci/run): the SDK as a consumer gets it. Builds and packs packages/sdk,
 * installs the tarball (its dependencies come from the npm registry, or npm's cache after `npm ci`: the
 * same versions as the root's) into a fresh directory holding three projects, each with the tsconfig
 * `tsc --init` writes, `skipLibCheck` off:
 *   nodenext   as written (module nodenext, exactOptionalPropertyTypes on)
 *   bundler    module preserve + moduleResolution bundler (exactOptionalPropertyTypes on)
 *   node16     module node16, exactOptionalPropertyTypes off
 * and runs `tsc --noEmit` in each on packages/sdk/test/consumer.ts (its `@ts-expect-error` lines fail the
 * check if the types degrade to `any`) and on the examples of README.md and packages/sdk/README.md, as
 * written. Then it starts the compiled server (dist/server.mjs) on a fresh
 * PGlite directory, makes an API key, and runs packages/sdk/test/consumer-run.mjs with plain `node`: an
 * export started, followed and downloaded, and one through exportToFile.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { root } from './build-bundle.mjs';

const started = performance.now();
const log = (message) =>
  console.log(`[sdk ${((performance.now() - started) / 1000).toFixed(1)}s] ${message}`);
const run = (command, args, options = {}) =>
  execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...options });
const execFileAsync = promisify(execFile);
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const rootPackage = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

const work = mkdtempSync(path.join(tmpdir(), 'crm-sdk-consumer-'));
let server;
try {
  log('building the SDK and the server');
  run(process.execPath, [path.join(root, 'scripts', 'build-sdk.mjs')], { stdio: 'inherit' });
  run(process.execPath, [path.join(root, 'scripts', 'build-server.mjs')], { stdio: 'inherit' });

  log('npm pack');
  const packed = JSON.parse(
    run('npm', ['pack', '--json', '--pack-destination', work], { cwd: path.join(root, 'packages', 'sdk') }),
  );
  const tarball = path.join(work, packed[0].filename);
  const files = packed[0].files.map((file) => file.path);
  assert.ok(files.includes('dist/index.js') && files.includes('dist/index.d.ts'), files.join(', '));
  assert.ok(!files.some((file) => file.endsWith('.ts') && !file.endsWith('.d.ts')), 'no TypeScript source');

  log('installing the tarball into a fresh directory');
  writeFileSync(path.join(work, 'package.json'), JSON.stringify({ name: 'consumers', private: true }));
  run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      // @trpc/client names `typescript` as a peer: npm would fetch the newest TypeScript and its native
      // binaries from the registry. The projects are checked with the repository's TypeScript instead.
      '--legacy-peer-deps',
      tarball,
      `@types/node@${rootPackage.devDependencies['@types/node']}`,
    ],
    { cwd: work },
  );

  // Started now, so that its first start (migrations, the demo seed) overlaps the type checks.
  log('starting the compiled server on a fresh PGlite directory');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  server = spawn(process.execPath, ['--enable-source-maps', path.join(root, 'dist', 'server.mjs')], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: '',
      DATA_DIR: path.join(work, 'data'),
      PORT: String(port),
      APP_URL: url,
      LOG_LEVEL: 'warn',
      NODE_ENV: 'test',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const projects = {
    nodenext: [],
    bundler: ['--module', 'preserve', '--moduleResolution', 'bundler'],
    node16: ['--module', 'node16', '--exactOptionalPropertyTypes', 'false'],
  };
  for (const [name, flags] of Object.entries(projects)) {
    const project = path.join(work, name);
    mkdirSync(project);
    writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify({ name: `consumer-${name}`, private: true, type: 'module' }),
    );
    run(process.execPath, [tsc, '--init', '--skipLibCheck', 'false', '--types', 'node', ...flags], {
      cwd: project,
    });
    copyFileSync(
      path.join(root, 'packages', 'sdk', 'test', 'consumer.ts'),
      path.join(project, 'consumer.ts'),
    );
    writeFileSync(path.join(project, 'readme-example.ts'), readmeExample());
    writeFileSync(path.join(project, 'package-readme-example.ts'), packageReadmeExample());
  }
  // The three checks run at once (tsc is single-threaded; this is most of the test's time).
  log(`tsc --noEmit in ${Object.keys(projects).join(', ')}`);
  await Promise.all(
    Object.entries(projects).map(async ([name, flags]) => {
      try {
        await execFileAsync(process.execPath, [tsc, '--noEmit', '-p', '.'], { cwd: path.join(work, name) });
      } catch (error) {
        throw new Error(
          `tsc failed in the ${name} project (tsc --init ${flags.join(' ')} --skipLibCheck false):\n${error.stdout}${error.stderr}`,
        );
      }
      log(`tsc --noEmit passed in ${name} (tsc --init ${flags.join(' ')} --skipLibCheck false)`);
    }),
  );

  await waitForHealth(url);

  const key = await apiKeyFor(url, 'admin@acme.test');
  log('node consumer-run.mjs (plain node, the installed package)');
  const script = path.join(work, 'nodenext', 'consumer-run.mjs');
  copyFileSync(path.join(root, 'packages', 'sdk', 'test', 'consumer-run.mjs'), script);
  const output = path.join(work, 'companies.json');
  const result = JSON.parse(
    run(process.execPath, [script], {
      cwd: path.dirname(script),
      env: { ...process.env, CRM_URL: url, CRM_API_KEY: key, OUTPUT_PATH: output },
    }),
  );
  assert.equal(result.started, 'queued');
  assert.equal(result.completed, 'completed');
  assert.equal(result.csvHeader.split(',').length, 2, result.csvHeader);
  assert.ok(result.csvLines > 2, 'a header and rows');
  assert.equal(result.file.path, output);
  assert.ok(existsSync(output));
  assert.equal(readFileSync(output).length, result.file.bytes);
  assert.ok(Array.isArray(JSON.parse(readFileSync(output, 'utf8'))), 'the JSON export is an array');
  assert.deepEqual(result.notFound, { code: 'NOT_FOUND', status_code: 404 });
  log(`ok: ${JSON.stringify(result)}`);
} finally {
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
  }
  rmSync(work, { recursive: true, force: true });
}

/** The README's SDK example, exactly as written there (the ```ts block after its marker). */
function readmeExample() {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const match = /<!-- sdk-example[^>]*-->\n```ts\n([\s\S]*?)```/.exec(readme);
  if (!match) throw new Error('README.md has no SDK example after <!-- sdk-example … -->');
  return match[1];
}

/** The example of the package's own README (its first ```ts block). */
function packageReadmeExample() {
  const readme = readFileSync(path.join(root, 'packages', 'sdk', 'README.md'), 'utf8');
  const match = /```ts\n([\s\S]*?)```/.exec(readme);
  if (!match) throw new Error('packages/sdk/README.md has no ```ts example');
  return match[1];
}

async function freePort() {
  const probe = createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function waitForHealth(url) {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`the server exited with ${server.exitCode}`);
    try {
      if ((await fetch(`${url}/api/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error('the server did not answer /api/health within 120 s');
}

/** Logs in as a demo account and creates an API key with the export scopes, over plain HTTP. */
async function apiKeyFor(url, email) {
  const login = await fetch(`${url}/trpc/auth.login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password: 'demo1234' }),
  });
  assert.equal(login.status, 200, await login.clone().text());
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
  const created = await fetch(`${url}/trpc/apiKeys.create`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Cookie: cookie },
    body: JSON.stringify({
      name: 'sdk consumer test',
      scopes: ['exports:read', 'exports:write', 'records:read'],
    }),
  });
  assert.equal(created.status, 200, await created.clone().text());
  return (await created.json()).result.data.key;
}
