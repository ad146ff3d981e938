import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import lockfile from 'proper-lockfile';

/** Refused: another process has the PGlite directory open. The message says what to do instead. */
export class DatabaseInUseError extends Error {
  override name = 'DatabaseInUseError';
}

// proper-lockfile counts a lock as stale when its holder has not touched it for `stale` ms. PGlite runs on
// the main thread, so a busy holder (a big seed, or a test blocked in spawnSync) can go quiet for many
// seconds: a short stale time would hand its directory to a second process. Whether a holder is gone is
// decided by its pid instead (ownerIsGone); the hour is only a backstop for holders on other machines.
const staleMs = 3600_000;

/** How long a lock may exist without its owner file (the instant between taking it and writing that file). */
const ownerlessGraceMs = 10_000;

function lockAgeMs(lockfilePath: string): number {
  try {
    return Date.now() - statSync(lockfilePath).mtimeMs;
  } catch {
    return 0;
  }
}

/** Directories this process holds, so a second open in the same process is refused as well. */
const held = new Set<string>();

interface Owner {
  pid: number;
  host: string;
}

/** Whether the process that wrote `<dir>.lock.owner` is gone (killed without removing its lock). */
function ownerIsGone(ownerPath: string, dir: string): boolean {
  let owner: Owner;
  try {
    owner = JSON.parse(readFileSync(ownerPath, 'utf8')) as Owner;
  } catch {
    // A holder writes its owner file the moment it has the lock: a lock that has had none for a while
    // was left by a process killed in between, and would otherwise refuse every start until removed.
    return lockAgeMs(ownerPath.slice(0, -'.owner'.length)) > ownerlessGraceMs;
  }
  if (owner.host !== hostname()) return false; // another machine on a shared disk: cannot tell
  if (owner.pid === process.pid) return !held.has(dir); // a previous life of this pid (a restarted container)
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Takes the PGlite directory for this process alone (a `<dir>.lock` directory beside it, kept fresh and
 * removed on exit by proper-lockfile), so a second process (`npm run api-key` while `npm start` runs) is
 * refused at once instead of writing rows the first never sees, or corrupting the files. A lock left by a
 * process that was killed (its pid, in `<dir>.lock.owner`, is gone) is taken over, so a restart after a
 * crash starts. Resolves to the release function.
 */
export async function lockPgliteDirectory(dir: string): Promise<() => Promise<void>> {
  const lockfilePath = `${dir}.lock`;
  const ownerPath = `${lockfilePath}.owner`;
  const options = { lockfilePath, stale: staleMs, realpath: false };
  let release: () => Promise<void>;
  const acquire = async () => {
    release = await lockfile.lock(dir, {
      ...options,
      // The lock directory was removed, or another process found our lock stale (our event loop was
      // blocked past staleMs) and took it. Take it back if it is free; if another process holds it, two
      // processes now have the same files open: stop this one before it writes.
      onCompromised: (error) => {
        acquire().catch(() => {
          console.error(
            `Lost the lock on the PGlite database in ${dir} (${error.message}) and another process holds it now; exiting.`,
          );
          process.exit(1);
        });
      },
    });
    held.add(dir);
    writeFileSync(ownerPath, JSON.stringify({ pid: process.pid, host: hostname() } satisfies Owner));
  };
  const inUse = () =>
    new DatabaseInUseError(
      [
        `The PGlite database in ${dir} is in use by another process (lock: ${lockfilePath}).`,
        'Only one process may open it: stop the other one first (npm start, npm run seed, npm run api-key…).',
        'To create an API key while the server runs, use apiKeys.create over the API or the app (Settings → API keys).',
        `If no such process is running (it ran on another machine, or its pid was reused), remove ${lockfilePath}.`,
      ].join('\n'),
    );
  const locked = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ELOCKED';
  try {
    await acquire();
  } catch (error) {
    if (!locked(error)) throw error;
    if (!ownerIsGone(ownerPath, dir)) throw inUse();
    // Left by a process that was killed: proper-lockfile's exit handler never ran. Take it over. (Two
    // processes starting in the same instant after such a crash could both get here: not guarded.)
    rmSync(lockfilePath, { recursive: true, force: true });
    try {
      await acquire();
    } catch (again) {
      throw locked(again) ? inUse() : again;
    }
  }
  return async () => {
    held.delete(dir);
    rmSync(ownerPath, { force: true });
    await release();
  };
}
