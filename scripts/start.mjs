/**
 * `npm start`: builds what is missing or stale (scripts/build-if-stale.mjs), then runs the compiled
 * server in this same process (one Node start instead of two).
 *
 * No --enable-source-maps here: Node 20 parses the bundle's whole source map (3 MB, dependencies included)
 * at load when it is on, ~0.7 s of CPU on every start. The bundle is not minified, so a stack trace still
 * names the functions and dist/server.mjs marks each source file; run
 * `node --enable-source-maps dist/server.mjs` to see TypeScript positions.
 */
await import('./build-if-stale.mjs');
await import('../dist/server.mjs');
