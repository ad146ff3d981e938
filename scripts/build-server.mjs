/**
 * `npm run build` (after Vite's client build) and `npm start` when stale: bundles server/main.ts into
 * dist/server.mjs, plain JavaScript that `node` runs directly, without tsx's loader. Measured on an existing
 * data directory, process start → /api/health, CPU time of the process (this 2-core machine was shared and
 * loaded, so wall times ran 2-3x longer): PGlite 4.1-5.0 s under tsx → 2.6-2.7 s; Postgres 3.0-3.2 s → 1.9 s.
 * What remains is mostly PGlite's WASM Postgres starting and the export engine's first queries.
 */
import { bundleServerEntry } from './build-bundle.mjs';

await bundleServerEntry({
  entry: 'server/main.ts',
  outfile: 'dist/server.mjs',
  sourcemap: 'linked',
  bundlePackages: true,
});
// The export workers' thread on Postgres (server/exports/export-thread-host.ts starts it from here).
await bundleServerEntry({
  entry: 'server/export-thread.ts',
  outfile: 'dist/export-thread.mjs',
  sourcemap: 'linked',
  bundlePackages: true,
});
