import { readFileSync, writeFileSync } from 'node:fs';
import { readmeWithConfiguration } from '../server/config-docs';

const readme = new URL('../README.md', import.meta.url);
writeFileSync(readme, readmeWithConfiguration(readFileSync(readme, 'utf8')));
console.log("README.md's configuration table written from server/env.ts");
