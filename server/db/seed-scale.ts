import { randomBytes } from 'node:crypto';
import { type Database, yieldToEventLoop } from './database';
import { demoValues } from './seed-demo';

export interface ScaleCounts {
  companies: number;
  people: number;
  conversations: number;
  activities: number;
}

const chunkSize = 100_000;

const sqlArray = (values: readonly string[]) =>
  `array[${values.map((value) => `'${value.replace(/'/g, "''")}'`).join(',')}]`;

/** The demo's value pools (accents, scripts, quotes, formula-like text), as SQL arrays, with their sizes. */
const pool = (values: readonly string[]) => ({ sql: sqlArray(values), size: values.length });
const firstNames = pool(demoValues.firstNames);
const lastNames = pool(demoValues.lastNames);
const industries = pool(demoValues.industries);
const tags = pool(demoValues.tags);
const jobTitles = pool(demoValues.jobTitles);

/**
 * Generates scale data inside the database with set-based SQL (generate_series), in chunks of 100k rows
 * so progress shows and PGlite gets to breathe. Returns rows written and the time taken.
 */
export async function seedScale(
  database: Database,
  workspaceSlug: string,
  counts: ScaleCounts,
  onProgress: (table: string, done: number, total: number) => void = () => {},
): Promise<{ rows: number; seconds: number; tables: { table: string; rows: number; seconds: number }[] }> {
  const [workspace] = await database.query<{ id: string }>('select id from workspaces where slug = $1', [
    workspaceSlug,
  ]);
  if (!workspace) throw new Error(`No workspace '${workspaceSlug}': run the demo seed first`);
  // A run tag keeps emails and domains unique when the scale seed runs more than once.
  const run = randomBytes(3).toString('hex');
  const started = performance.now();
  const ws = workspace.id;

  // r(salt, n): a pseudo-random 0 ≤ k < n from the row number, independent for each salt, so that
  // attributes are not correlated with each other (a real filter then selects a realistic share).
  const r = (salt: number, n: number | string) =>
    `(((hashint8(i::bigint * 64 + ${salt})::bigint + 2147483648) % ${n})::int)`;
  const secondsAgo = (salt: number, span: number) => `now() - make_interval(secs => ${r(salt, span)})`;
  const twoYears = 63_072_000;
  const oneYear = 31_536_000;

  const steps: { table: string; total: number; statement: string }[] = [
    {
      table: 'companies',
      total: counts.companies,
      statement: `
        insert into companies (workspace_id, name, domain, industry, employee_count, founded_on, status, tags, created_at, updated_at)
        select $1, 'Company ' || i, 's${run}-' || i || '.example.com',
          (${industries.sql})[1 + ${r(1, industries.size)}], 1 + ${r(2, 20000)},
          date '1960-01-01' + ${r(3, 23000)},
          (array['prospect','active','customer','churned'])[1 + ${r(4, 4)}],
          array[(${tags.sql})[1 + ${r(5, tags.size)}], (${tags.sql})[1 + (${r(5, tags.size)} + 1 + ${r(6, tags.size - 1)}) % ${tags.size}]],
          ${secondsAgo(7, twoYears)}, now()
        from generate_series($2::int, $3::int) as i`,
    },
    {
      table: 'people',
      total: counts.people,
      statement: `
        with company_ids as (select array_agg(id) as ids from companies where workspace_id = $1)
        insert into people (workspace_id, first_name, last_name, email, phone, job_title, company_id, status, platform, tags, created_at, updated_at)
        select $1, (${firstNames.sql})[1 + ${r(1, firstNames.size)}], (${lastNames.sql})[1 + ${r(2, lastNames.size)}],
          'p' || i || '.${run}@scale.example.com',
          case when ${r(3, 7)} = 0 then null else '0' || lpad(${r(4, 1000000000)}::text, 10, '0') end,
          (${jobTitles.sql})[1 + ${r(5, jobTitles.size)}],
          case when ${r(6, 10)} = 0 then null else c.ids[1 + ${r(7, 'cardinality(c.ids)')}] end,
          (array['lead','active','customer','churned'])[1 + ${r(8, 4)}],
          (array['email','linkedin','twitter','whatsapp','website','referral'])[1 + ${r(9, 6)}],
          case when ${r(10, 3)} = 0 then array[]::text[]
               else array[(${tags.sql})[1 + ${r(11, tags.size)}], (${tags.sql})[1 + (${r(11, tags.size)} + 1 + ${r(12, tags.size - 1)}) % ${tags.size}]] end,
          ${secondsAgo(13, twoYears)}, now()
        from generate_series($2::int, $3::int) as i, company_ids c`,
    },
    {
      table: 'conversations',
      total: counts.conversations,
      statement: `
        with person_ids as (select array_agg(id) as ids from people where workspace_id = $1)
        insert into conversations (workspace_id, subject, person_id, platform, status, tags, message_count, last_message_at, created_at)
        select $1, 'Conversation ' || i, p.ids[1 + ${r(1, 'cardinality(p.ids)')}],
          (array['email','linkedin','whatsapp','slack','sms','phone'])[1 + ${r(2, 6)}],
          (array['open','pending','closed'])[1 + ${r(3, 3)}],
          array[(${tags.sql})[1 + ${r(4, tags.size)}]], 1 + ${r(5, 50)},
          ${secondsAgo(6, oneYear)}, ${secondsAgo(7, twoYears)}
        from generate_series($2::int, $3::int) as i, person_ids p`,
    },
    {
      table: 'activities',
      total: counts.activities,
      statement: `
        with person_ids as (select array_agg(id) as ids from people where workspace_id = $1),
             actor_ids as (select array_agg(id) as ids from users where workspace_id = $1)
        insert into activities (workspace_id, type, subject, body, person_id, actor_id, occurred_at, created_at)
        select $1, (array['note','email','call','meeting','status_change','task'])[1 + ${r(1, 6)}],
          'Activity ' || i, 'Body of activity ' || i,
          p.ids[1 + ${r(2, 'cardinality(p.ids)')}], a.ids[1 + ${r(3, 'cardinality(a.ids)')}],
          ${secondsAgo(4, oneYear)}, now()
        from generate_series($2::int, $3::int) as i, person_ids p, actor_ids a`,
    },
  ];

  let rows = 0;
  const tables: { table: string; rows: number; seconds: number }[] = [];
  for (const step of steps) {
    if (step.total === 0) continue;
    const stepStarted = performance.now();
    // Bulk-load practice: drop the secondary indexes, insert, rebuild them once (a sorted build is far
    // cheaper than a million index updates). DDL is transactional, so a crash leaves every index in place.
    await database.transaction(async (query) => {
      await query('set local synchronous_commit = off');
      // Every generated reference points at a row read from the same workspace, so the per-row foreign
      // key triggers (the bulk of the cost) are skipped when the role may do so; otherwise they run.
      await query(
        `do $$ begin set local session_replication_role = replica; exception when others then null; end $$`,
      );
      const indexes = await query<{ name: string; definition: string }>(
        `select i.indexname as name, i.indexdef as definition
           from pg_indexes i
          where i.schemaname = 'public' and i.tablename = $1
            and not exists (select 1 from pg_constraint c where c.conname = i.indexname)
            and i.indexdef not like 'CREATE UNIQUE%'`,
        [step.table],
      );
      for (const index of indexes) await query(`drop index "${index.name}"`);
      for (let from = 1; from <= step.total; from += chunkSize) {
        const to = Math.min(step.total, from + chunkSize - 1);
        await query(step.statement, [ws, from, to]);
        rows += to - from + 1;
        onProgress(step.table, to, step.total);
        await yieldToEventLoop();
      }
      for (const index of indexes) await query(index.definition);
    });
    tables.push({ table: step.table, rows: step.total, seconds: (performance.now() - stepStarted) / 1000 });
  }
  await database.exec('analyze companies; analyze people; analyze conversations; analyze activities;');
  return { rows, seconds: (performance.now() - started) / 1000, tables };
}
