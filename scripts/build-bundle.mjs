/**
 * One esbuild bundle of a server entry point, as plain JavaScript that `node` runs without tsx: what
 * `npm start` runs (dist/server.mjs) and what `npm run worker` runs (dist/worker.mjs). Written to a
 * temporary name and renamed, so a process starting at that moment never reads a half-written bundle.
 *
 * `bundlePackages` also bundles the dependencies, except those that read files next to their own code
 * at run time (PGlite's WASM, pdfkit's font metrics) or start worker threads from their own files (pino's
 * transports). Loading exceljs, nodemailer, zod and the rest as separate CommonJS files from node_modules
 * took ~1 s of a ~3 s start on this machine (a quarter to a third of it is saved by one file); the
 * worker keeps them external, as measured for its memory budget.
 *
 * Bundles sit in dist/, one level below the repository's root, which is what server/project-root.ts
 * relies on to find migrations and the built client from a bundled module.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const root = fileURLToPath(new URL('..', import.meta.url));

/** Read files beside their own modules or spawn threads from them: resolved from node_modules at run time. */
const unbundleable = ['@electric-sql/pglite', 'pdfkit', 'pino', 'pino-pretty', 'thread-stream'];

/**
 * @param {{ entry: string; outfile: string; sourcemap: 'inline' | 'linked'; bundlePackages?: boolean }} options
 *   paths relative to the root
 */
export async function bundleServerEntry({ entry, outfile, sourcemap, bundlePackages = false }) {
  const absoluteOut = path.join(root, outfile);
  const result = await build({
    entryPoints: [path.join(root, entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    ...(bundlePackages
      ? {
          external: unbundleable,
          // Bundled CommonJS packages call require() for Node's built-ins; an ES module has none of its own.
          banner: {
            js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
          },
        }
      : { packages: 'external' }),
    sourcemap,
    // The map serves stack traces (--enable-source-maps), which need lines, not the sources' text.
    sourcesContent: false,
    write: false,
    outfile: absoluteOut,
    logLevel: 'warning',
  });
  await mkdir(path.dirname(absoluteOut), { recursive: true });
  // The source map first, so the bundle that points at it never exists without it.
  const files = [...result.outputFiles].sort(
    (a, b) => Number(b.path.endsWith('.map')) - Number(a.path.endsWith('.map')),
  );
  for (const file of files) {
    const temporary = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temporary, file.contents);
    renameSync(temporary, file.path);
  }
}
