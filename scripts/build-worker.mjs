/**
 * Bundles server/worker.ts into dist/worker.mjs (npm run worker, bench:export). Run under tsx, a worker
 * also carries tsx's module loader (a second V8 isolate on Node 20) and its transpile caches: ~85 MB
 * of its RSS while idle. See scripts/build-bundle.mjs for how it is bundled.
 *
 * package.json runs it with --max-old-space-size=192: an export keeps about two batches and the
 * writer's buffers alive (tens of MB), but with the default budget V8 let garbage from a million rows
 * pile up before collecting it, so peak RSS wandered between 150 and 290 MB from run to run.
 */
import { bundleServerEntry } from './build-bundle.mjs';

await bundleServerEntry({ entry: 'server/worker.ts', outfile: 'dist/worker.mjs', sourcemap: 'inline' });
