import { writeFileSync } from 'node:fs';
import { renderOpenApiJson } from '../server/openapi/openapi-document';

writeFileSync(new URL('../docs/openapi.json', import.meta.url), renderOpenApiJson());
console.log('docs/openapi.json written from the router and shared/ schemas');
