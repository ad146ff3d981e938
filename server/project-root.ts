import { fileURLToPath } from 'node:url';

/**
 * The repository's root directory, for the files the server reads at run time (migrations, the built
 * client). Computed here, one level below the root, rather than in each module: the worker also runs
 * from an esbuild bundle at dist/worker.mjs (scripts/build-worker.mjs), where every bundled module's
 * `import.meta.url` is the bundle's, which is one level below the root as well.
 */
export const projectRoot = fileURLToPath(new URL('..', import.meta.url));
