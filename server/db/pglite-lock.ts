import lockfile from 'proper-lockfile';

/** Refused: another process has the PGlite directory open. The message says what to do instead. */
export class DatabaseInUseError extends Error {
  override name = 'DatabaseInUseError';
}

// A lock is stale when its holder has not touched it for this long, so a process killed without cleaning
// up (SIGKILL) blocks the directory at most this long. A holder whose event loop was busy for longer (PGlite
// runs on the main thread) keeps its lock unless another process took it meanwhile (onCompromised below).
const staleMs = 10_000;
const updateMs = 2_000;

/**
 * Takes the PGlite directory for this process alone (a `<dir>.lock` directory beside it, kept fresh and
 * removed on exit by proper-lockfile), so a second process (`npm run api-key` while `npm start` runs) is
 * refused at once instead of writing rows the first never sees, or corrupting the files. Resolves to the
 * release function.
 */
export async function lockPgliteDirectory(dir: string): Promise<() => Promise<void>> {
  const lockfilePath = `${dir}.lock`;
  const options = { lockfilePath, stale: staleMs, update: updateMs, realpath: false };
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
  };
  try {
    await acquire();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    throw new DatabaseInUseError(
      [
        `The PGlite database in ${dir} is in use by another process (lock: ${lockfilePath}).`,
        'Only one process may open it: stop the other one first (npm start, npm run seed, npm run api-key…).',
        'To create an API key while the server runs, use apiKeys.create over the API or the app (Settings → API keys).',
        `If no other process is running, the lock is released within ${staleMs / 1000} seconds.`,
      ].join('\n'),
    );
  }
  return async () => {
    await release();
  };
}
