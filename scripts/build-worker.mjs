/**
 * Bundles server/worker.ts into dist/worker.mjs (npm run worker, bench:export). Run under tsx, a worker
 * also carries tsx's module loader (a second V8 isolate on Node 20) and its transpile caches: ~85 MB
 * of its RSS while idle. Packages stay external (resolved from node_modules); esbuild is the one tsx
 * already brings. Written to a temporary name and renamed, so workers starting at once never read a
 * half-written bundle.
 *
 * package.json runs it with --max-old-space-size=192: an export keeps about two batches and the
 * writer's buffers alive (tens of MB), but with the default budget V8 let garbage from a million rows
 * pile up before collecting it, so peak RSS wandered between 150 and 290 MB from run to run.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outfile = path.join(root, 'dist', 'worker.mjs');

const result = await build({
  entryPoints: [path.join(root, 'server', 'worker.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'inline',
  write: false,
  outfile,
  logLevel: 'warning',
});
await mkdir(path.dirname(outfile), { recursive: true });
for (const file of result.outputFiles) {
  const temporary = `${file.path}.${process.pid}.tmp`;
  writeFileSync(temporary, file.contents);
  renameSync(temporary, file.path);
}
