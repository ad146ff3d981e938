/**
 * `npm run bench:filters`: the filter language on 1M people on Postgres.
 * A typical filter — status + tag + date range + company.industry — through the same code the record
 * pages and exports use (resolveRecordQuery → selectRecordPage / countRecords): p50/p95 of the first page
 * and of the total over 30 runs each, and the EXPLAIN (ANALYZE, BUFFERS) plans with the indexes they use.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:filters
 *
 * Uses (and creates, seeding 1M people once) the database crm_bench_filters on that server.
 */
import { writeFileSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import postgres from 'postgres';
import { users, workspaces } from '../drizzle/schema';
import { migrateDatabase, openDatabase } from '../server/db/database';
import { seedDemo } from '../server/db/seed-demo';
import { seedScale } from '../server/db/seed-scale';
import {
  buildRecordSelect,
  countRecords,
  resolveRecordQuery,
  selectRecordPage,
} from '../server/records/record-query';

const benchDatabase = 'crm_bench_filters';
const targetPeople = 1_000_000;
const runs = 30;
const pageSize = 50;
const firstPageTargetMs = 100;

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

async function timed(work: () => Promise<unknown>): Promise<number[]> {
  for (let warm = 0; warm < 3; warm++) await work();
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  return times;
}

async function main(): Promise<void> {
  const baseUrl = process.env.DATABASE_URL;
  if (!baseUrl) {
    console.error(
      'bench:filters needs Postgres: DATABASE_URL=postgres://user@host:5432/postgres npm run bench:filters',
    );
    process.exit(2);
  }
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  const [exists] = await admin`select 1 as found from pg_database where datname = ${benchDatabase}`;
  if (!exists) await admin.unsafe(`create database ${benchDatabase}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${benchDatabase}`;
  const database = await openDatabase({ databaseUrl: url.toString(), maxConnections: 2 });
  await migrateDatabase(database);
  await seedDemo(database);

  const [acme] = await database.db.select().from(workspaces).where(eq(workspaces.slug, 'acme'));
  const [owner] = await database.db.select().from(users).where(eq(users.email, 'admin@acme.test'));
  if (!acme || !owner) throw new Error('demo seed missing');
  const [{ people: present } = { people: 0 }] = await database.query<{ people: number }>(
    'select count(*)::int as people from people where workspace_id = $1',
    [acme.id],
  );
  if (present < targetPeople) {
    console.log(`seeding ${targetPeople - present} people (and 20,000 companies) into ${benchDatabase}…`);
    const seeded = await seedScale(
      database,
      'acme',
      { companies: 20_000, people: targetPeople - present, conversations: 0, activities: 0 },
      (table, done, total) => process.stdout.write(`\r  ${table}: ${done}/${total}   `),
    );
    console.log(`\n  seeded ${seeded.rows} rows in ${seeded.seconds.toFixed(1)} s`);
  }
  await database.exec('analyze people; analyze companies;');

  const now = Date.now();
  const filter = {
    status: 'customer',
    tags: 'vip',
    created_at: {
      $gte: new Date(now - 180 * 86_400_000).toISOString(),
      $lt: new Date(now).toISOString(),
    },
    'company.industry': 'Software',
  };
  const scope = { workspaceId: acme.id, userId: owner.id, role: 'admin' as const };
  const resolved = await resolveRecordQuery(database.db, scope, 'people', { filter });
  console.log(`\nfilter: ${JSON.stringify(filter)}\n        ${resolved.summary}`);

  const firstPage = await selectRecordPage(database.db, resolved, { limit: pageSize });
  const total = await countRecords(database.db, resolved);
  const pageTimes = await timed(() => selectRecordPage(database.db, resolved, { limit: pageSize }));
  const countTimes = await timed(() => countRecords(database.db, resolved));

  const pageQuery = buildRecordSelect(database.db, resolved, { limit: pageSize + 1 }).toSQL();
  const countQuery = {
    sql: `select count(*) from (${buildRecordSelect(database.db, resolved, { attributes: [] }).toSQL().sql}) matching`,
    params: buildRecordSelect(database.db, resolved, { attributes: [] }).toSQL().params,
  };
  const explain = async (query: { sql: string; params: unknown[] }) =>
    (
      await database.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${query.sql}`, query.params)
    ).map((row) => row['QUERY PLAN']);
  const pagePlan = await explain(pageQuery);
  const countPlan = await explain(countQuery);
  const indexesOf = (plan: string[]) => [
    ...new Set(
      plan.flatMap((line) =>
        [
          ...line.matchAll(
            /(?:Index Scan|Index Only Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) (\w+)/g,
          ),
        ].map((match) => match[1]!),
      ),
    ),
  ];
  const seqScans = (plan: string[]) => plan.filter((line) => /Seq Scan on people/.test(line)).length;

  const summary = {
    database: benchDatabase,
    people: Math.max(present, targetPeople),
    filter,
    summary: resolved.summary,
    matching: total,
    firstPageRows: firstPage.rows.length,
    runs,
    firstPageMs: {
      p50: percentile(pageTimes, 50),
      p95: percentile(pageTimes, 95),
      max: Math.max(...pageTimes),
    },
    totalMs: {
      p50: percentile(countTimes, 50),
      p95: percentile(countTimes, 95),
      max: Math.max(...countTimes),
    },
    firstPageIndexes: indexesOf(pagePlan),
    totalIndexes: indexesOf(countPlan),
    seqScansOnPeople: { firstPage: seqScans(pagePlan), total: seqScans(countPlan) },
    targetFirstPageP95Ms: firstPageTargetMs,
    metTarget: percentile(pageTimes, 95) < firstPageTargetMs,
    measuredAt: new Date().toISOString(),
  };

  console.log('\nEXPLAIN (ANALYZE, BUFFERS) — first page:');
  console.log(pagePlan.map((line) => `  ${line}`).join('\n'));
  console.log('\nEXPLAIN (ANALYZE, BUFFERS) — total:');
  console.log(countPlan.map((line) => `  ${line}`).join('\n'));
  const round = (value: number) => value.toFixed(1);
  console.log(`
summary (${summary.people.toLocaleString('en')} people, ${total.toLocaleString('en')} match, ${runs} runs each)
  first page (${pageSize} rows): p50 ${round(summary.firstPageMs.p50)} ms, p95 ${round(summary.firstPageMs.p95)} ms  (target p95 < ${firstPageTargetMs} ms: ${summary.metTarget ? 'met' : 'MISSED'})
  total (count):        p50 ${round(summary.totalMs.p50)} ms, p95 ${round(summary.totalMs.p95)} ms
  indexes, first page:  ${summary.firstPageIndexes.join(', ') || 'none'}
  indexes, total:       ${summary.totalIndexes.join(', ') || 'none'}
  seq scans on people:  first page ${summary.seqScansOnPeople.firstPage}, total ${summary.seqScansOnPeople.total}`);
  writeFileSync(new URL('./filters-results.json', import.meta.url), `${JSON.stringify(summary, null, 2)}\n`);
  console.log('\nwritten: bench/filters-results.json');
  await database.close();
}

await main();
