/**
 * `npm start`: builds what is missing or stale (scripts/build-if-stale.mjs), then runs the compiled
 * server in this same process (one Node start instead of two).
 *
 * No --enable-source-maps here: Node 20 parses the bundle's whole source map (3 MB, dependencies included)
 * at load when it is on, ~0.7 s of CPU on every start. The bundle is not minified, so a stack trace still
 * names the functions and dist/server.mjs marks each source file; run
 * `node --enable-source-maps dist/server.mjs` to see TypeScript positions.
 *
 * `--v8-pool-size=1` (package.json): V8's helper threads (4 by default) compile PGlite's WebAssembly and
 * help the garbage collector, and each keeps its own malloc arena, which the process never gives back.
 * With one helper, `npm start` on PGlite (200k people, 64 MB of shared buffers) peaked at 339–357 MB
 * instead of 395–423 MB, the CSV export no slower; on Postgres (200k people, CSV, XLSX and PDF exports
 * in the export thread) at 340–350 MB instead of 359–374 MB, every export within the run-to-run noise
 * (`npm run bench:responsiveness`, 2026-11-29).
 */
await import('./build-if-stale.mjs');
await import('../dist/server.mjs');
