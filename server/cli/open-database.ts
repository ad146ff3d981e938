import { openAppDatabase } from '../app';
import type { Database } from '../db/database';
import { DatabaseInUseError } from '../db/pglite-lock';
import type { Env } from '../env';

/** The environment's database for a command; a PGlite directory another process holds ends it at once. */
export async function openCommandDatabase(env: Env): Promise<Database> {
  try {
    return await openAppDatabase(env);
  } catch (error) {
    if (!(error instanceof DatabaseInUseError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
