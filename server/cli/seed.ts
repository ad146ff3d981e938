import { parseArgs } from 'node:util';
import { seedDemo } from '../db/seed-demo';
import { seedScale } from '../db/seed-scale';
import { loadEnv } from '../env';
import { openCommandDatabase } from './open-database';

/** `npm run seed` — the demo workspaces; with counts, scale data generated inside the database. */
const { values } = parseArgs({
  options: {
    workspace: { type: 'string', default: 'acme' },
    people: { type: 'string' },
    companies: { type: 'string' },
    conversations: { type: 'string' },
    activities: { type: 'string' },
  },
});

const count = (value: string | undefined) => {
  const parsed = Number((value ?? '0').replace(/_/g, ''));
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`Not a row count: ${value}`);
  return parsed;
};

const env = loadEnv();
const database = await openCommandDatabase(env);
try {
  const demo = await seedDemo(database);
  console.log(
    demo.created.length
      ? `Demo workspaces created: ${demo.created.join(', ')}`
      : 'Demo workspaces already present',
  );
  const counts = {
    companies: count(values.companies),
    people: count(values.people),
    conversations: count(values.conversations),
    activities: count(values.activities),
  };
  if (Object.values(counts).some((n) => n > 0)) {
    if (counts.people + counts.conversations + counts.activities > 0 && counts.companies === 0)
      counts.companies = 1000;
    const result = await seedScale(database, values.workspace ?? 'acme', counts, (table, done, total) =>
      process.stdout.write(`\r${table}: ${done.toLocaleString('en')} / ${total.toLocaleString('en')}   `),
    );
    process.stdout.write('\n');
    for (const table of result.tables) {
      console.log(
        `  ${table.table}: ${table.rows.toLocaleString('en')} rows in ${table.seconds.toFixed(1)} s = ${Math.round(table.rows / table.seconds).toLocaleString('en')} rows/s`,
      );
    }
    console.log(
      `Scale seed: ${result.rows.toLocaleString('en')} rows in ${result.seconds.toFixed(1)} s = ${Math.round(result.rows / result.seconds).toLocaleString('en')} rows/s (${database.kind})`,
    );
  }
} finally {
  await database.close();
}
