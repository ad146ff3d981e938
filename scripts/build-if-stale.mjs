/**
 * `npm start`'s first step: builds the client (Vite) and the server bundle (esbuild) only when their
 * output is missing or older than a source file it is built from, so a fresh clone's `npm start` works
 * and a restart costs nothing here. `npm run build` builds both unconditionally.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { root } from './build-bundle.mjs';

/** The newest modification time among the files under `paths` (directories are walked, node_modules skipped). */
function newestMtime(paths) {
  let newest = 0;
  const visit = (full) => {
    let stat;
    try {
      stat = statSync(full);
    } catch {
      return;
    }
    if (stat.isDirectory()) {
      for (const name of readdirSync(full)) if (name !== 'node_modules') visit(path.join(full, name));
    } else if (!/\.test\.tsx?$/.test(full)) newest = Math.max(newest, stat.mtimeMs);
  };
  for (const relative of paths) visit(path.join(root, relative));
  return newest;
}

function mtimeOf(relative) {
  try {
    return statSync(path.join(root, relative)).mtimeMs;
  } catch {
    return 0;
  }
}

function run(label, command, args) {
  console.log(`${label}…`);
  // Always a production build, whatever NODE_ENV the caller runs under: with NODE_ENV=test (the abuse
  // suite's server) Vite bundled React's development build, whose StrictMode runs every effect twice.
  execFileSync(command, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
}

const clientOutput = mtimeOf('dist/client/index.html');
if (clientOutput < newestMtime(['client', 'shared', 'vite.config.ts', 'package-lock.json']))
  run(
    clientOutput ? 'rebuilding the client (sources changed)' : 'building the client (first start)',
    process.execPath,
    [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build'],
  );

// The server and its export thread's bundle are built together; either missing or stale rebuilds both.
const serverOutput = Math.min(mtimeOf('dist/server.mjs'), mtimeOf('dist/export-thread.mjs'));
if (serverOutput < newestMtime(['server', 'shared', 'drizzle/schema.ts', 'package-lock.json']))
  run(
    serverOutput ? 'rebuilding the server (sources changed)' : 'building the server (first start)',
    process.execPath,
    [path.join(root, 'scripts', 'build-server.mjs')],
  );
