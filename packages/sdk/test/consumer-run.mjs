// Run with plain `node` (no tsx, no build step) by scripts/test-sdk-package.mjs, against a live server:
// start an export, follow it, download it; then the same through exportToFile.
import { createClient, exportToFile, structuredErrorOf, waitForExport } from 'crm-export-sdk';

const crm = createClient({ url: process.env.CRM_URL, apiKey: process.env.CRM_API_KEY });

const started = await crm.startExport.mutate({
  object: 'people',
  format: 'csv',
  columns: ['first_name', 'email'],
});
const seen = [];
const completed = await waitForExport(crm, started.id, {
  onProgress: (summary) => seen.push(summary.status),
});
const link = await crm.downloadExport.mutate({ exportId: completed.id });
const csv = await (await fetch(link.url)).text();

const file = await exportToFile(crm, { object: 'companies', format: 'json' }, process.env.OUTPUT_PATH, {
  onProgress: (summary) => seen.push(summary.status),
});

let notFound;
try {
  await crm.exportStatus.query({ exportId: '00000000-0000-4000-8000-000000000000' });
} catch (error) {
  notFound = structuredErrorOf(error);
}

console.log(
  JSON.stringify({
    started: started.status,
    completed: completed.status,
    statuses: seen,
    csvHeader: csv.replace(/^\uFEFF/, '').split('\r\n')[0],
    csvLines: csv.split('\r\n').length,
    file: { path: file.path, bytes: file.bytes, contentType: file.contentType },
    notFound: notFound && { code: notFound.code, status_code: notFound.status_code },
  }),
);
