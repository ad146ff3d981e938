import type { Database } from '../../db/database';

const known = new Map<string, boolean>();

/**
 * Whether the database knows the time zone by this exact name, so it can write the export's timestamps
 * (asked once per zone and process). The export's zone was checked against Node's Intl, which also takes
 * names in any case and a few aliases; a name Postgres does not have keeps the JS writers.
 */
export async function databaseKnowsZone(database: Database, zone: string): Promise<boolean> {
  const cached = known.get(zone);
  if (cached !== undefined) return cached;
  const rows = await database.query('select 1 from pg_timezone_names where name = $1', [zone]);
  known.set(zone, rows.length > 0);
  return rows.length > 0;
}
