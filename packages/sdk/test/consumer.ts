// Type-checked (never run) by scripts/test-sdk-package.mjs in fresh projects that installed the packed
// SDK: each `@ts-expect-error` must meet an error, so types that degrade to `any` fail the test.
import {
  type AppRouter,
  type CrmClient,
  createClient,
  type ErrorCode,
  type ExportSummary,
  errorCatalog,
  exportToFile,
  type RouterInputs,
  type RouterOutputs,
  type StartExportInput,
  structuredErrorOf,
  waitForExport,
} from 'crm-export-sdk';

const crm: CrmClient = createClient({ url: 'http://localhost:3000', apiKey: process.env.CRM_API_KEY });

export async function typed(): Promise<void> {
  const input: StartExportInput = { object: 'people', format: 'csv', columns: ['first_name', 'email'] };
  const started: ExportSummary = await crm.startExport.mutate(input);
  const done = await waitForExport(crm, started.id, { onProgress: (summary) => summary.percent });
  const percent: number = done.percent;
  const list: RouterOutputs['people']['list'] = await crm.people.list.query({ limit: 10 });
  const total: number = list.total;
  const me = await crm.auth.me.query();
  const role: 'admin' | 'member' | 'viewer' = me.user.role;
  const file = await exportToFile(crm, { object: 'companies', format: 'xlsx' }, 'companies.xlsx', {
    onProgress: (summary) => console.log(summary.status),
  });
  const bytes: number = file.bytes;
  const viewInput: RouterInputs['views']['create'] = {
    object: 'people',
    name: 'VIPs',
    filter: { tags: 'vip' },
  };
  console.log(percent, total, role, bytes, viewInput);

  // @ts-expect-error: there is no procedure by that name
  await crm.startExports.mutate(input);
  // @ts-expect-error: 'docx' is not an export format
  await crm.startExport.mutate({ object: 'people', format: 'docx' });
  // @ts-expect-error: exportStatus takes `exportId`, not `id`
  await crm.exportStatus.query({ id: started.id });
  // @ts-expect-error: a query is not a mutation
  await crm.exportStatus.mutate({ exportId: started.id });
  // @ts-expect-error: the output has no such field
  console.log(done.progress);

  try {
    await crm.people.get.query({ id: '00000000-0000-4000-8000-000000000000' });
  } catch (error) {
    const code: ErrorCode | undefined = structuredErrorOf(error)?.code;
    if (code === 'NOT_FOUND') console.log(errorCatalog[code].status);
    // @ts-expect-error: not a code of the error catalog
    if (code === 'NO_SUCH_CODE') console.log('unreachable');
  }
  // @ts-expect-error: not a code of the error catalog
  const unknownCode: ErrorCode = 'NOT_A_CODE';
  console.log(unknownCode);
}

type ExportStatusOutput = RouterOutputs['exportStatus'];
export const statusOf = (summary: ExportStatusOutput): ExportSummary['status'] => summary.status;
export type { AppRouter };
