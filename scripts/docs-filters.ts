import { writeFileSync } from 'node:fs';
import { renderFilterReference } from '../server/records/filter-reference';

writeFileSync(new URL('../docs/filters.md', import.meta.url), renderFilterReference());
console.log('docs/filters.md written from shared/catalog.ts and shared/filters.ts');
