/**
 * `npm run build` (after Vite's client build) and `npm start` when stale: bundles server/main.ts into
 * dist/server.mjs, plain JavaScript that `node` runs directly. Under tsx a restart spent ~10 s of its
 * ~20 s in the loader transpiling the server's modules; the bundle starts in well under 2 s.
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
