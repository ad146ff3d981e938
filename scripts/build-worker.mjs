/**
 * Bundles server/worker.ts into dist/worker.mjs (npm run worker, bench:export). Run under tsx, a worker
 * also carries tsx's module loader (a second V8 isolate on Node 20) and its transpile caches: ~85 MB
 * of its RSS while idle. See scripts/build-bundle.mjs for how it is bundled.
 *
 * package.json runs it with --max-old-space-size=192, the heap budget of server/exports/export-heap.ts
 * (which says why).
 */
import { bundleServerEntry } from './build-bundle.mjs';

await bundleServerEntry({ entry: 'server/worker.ts', outfile: 'dist/worker.mjs', sourcemap: 'inline' });
