import { writeFileSync } from 'node:fs';
import { renderErrorReference } from '../server/errors/error-reference';

writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorReference());
console.log('docs/errors.md written from shared/errors.ts');
