/**
 * Builds the SDK package in packages/sdk (`npm run build:sdk`; `npm pack` there makes the tarball):
 *   dist/index.js    server/sdk.ts bundled by esbuild as one ES module; @trpc/client stays a dependency
 *   dist/**.d.ts     tsc's declarations of server/sdk.ts and what it imports — which must be server/sdk.ts,
 *                    server/sdk-router.ts and shared/ only, never the server's insides (checked here) —
 *                    with `.js` added to relative imports, as nodenext and node16 require.
 * The package's dependency versions must be the root's (checked here), so the SDK is built and tested
 * against what the server runs.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { root } from './build-bundle.mjs';

const packageDir = path.join(root, 'packages', 'sdk');
const dist = path.join(packageDir, 'dist');
const emitted = path.join(dist, '.tsc');

const packageJson = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
const rootJson = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
for (const [name, version] of Object.entries(packageJson.dependencies)) {
  if (rootJson.dependencies[name] !== version)
    throw new Error(
      `packages/sdk depends on ${name}@${version}, the server on ${rootJson.dependencies[name]}`,
    );
}

rmSync(dist, { recursive: true, force: true });
try {
  execFileSync(
    process.execPath,
    [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'packages/sdk/tsconfig.build.json'],
    { cwd: root, stdio: 'inherit' },
  );
} catch {
  // Declarations are emitted despite type errors elsewhere in the program; `npm run typecheck` reports those.
  console.warn('build-sdk: tsc reported errors (above); checking the declarations the package needs');
}

/** Files a declaration imports relatively, as paths relative to the emit root. */
function relativeImports(file, text) {
  const specifiers = [...text.matchAll(/(?:from\s+|import\()\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]);
  return specifiers.map((specifier) =>
    path.join(path.dirname(file), `${specifier.replace(/\.js$/, '')}.d.ts`),
  );
}

const allowed = (file) =>
  file === 'server/sdk.d.ts' || file === 'server/sdk-router.d.ts' || file.startsWith('shared/');
const pending = ['server/sdk.d.ts'];
const shipped = new Set();
while (pending.length) {
  const file = pending.pop();
  if (shipped.has(file)) continue;
  if (!allowed(file)) throw new Error(`the SDK's declarations would include ${file}, a part of the server`);
  shipped.add(file);
  const text = readFileSync(path.join(emitted, file), 'utf8');
  pending.push(...relativeImports(file, text));
  const withExtensions = text.replace(
    /((?:from\s+|import\()\s*['"])(\.{1,2}\/[^'"]+?)(?<!\.js)(['"])/g,
    (_match, before, specifier, after) => `${before}${specifier}.js${after}`,
  );
  mkdirSync(path.join(dist, path.dirname(file)), { recursive: true });
  writeFileSync(path.join(dist, file), withExtensions);
}
rmSync(emitted, { recursive: true, force: true });
writeFileSync(path.join(dist, 'index.d.ts'), "export * from './server/sdk.js';\n");

await build({
  entryPoints: [path.join(root, 'server', 'sdk.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: Object.keys(packageJson.dependencies),
  outfile: path.join(dist, 'index.js'),
  sourcemap: false,
  logLevel: 'warning',
});
console.log(`packages/sdk/dist: index.js and ${shipped.size} declaration files (${[...shipped].join(', ')})`);
