/**
 * Export work yields the CPU to the web: the threads that run exports (`npm run worker`'s main thread,
 * `npm start`'s export thread) take the nice value `EXPORT_NICE`. When requests and an export want the
 * same cores, the requests are answered first and the export takes what is left; on an idle machine
 * nothing changes. Figures (`npm run bench:export`) are in the README's Performance section.
 *
 * Linux keeps a nice value per thread, so the export thread of `npm start` can be lowered without the
 * web's: elsewhere the value is the whole process's, and the call is skipped where that would slow the
 * web as well. Threads started afterwards by this thread inherit the value (libuv's pool, if it is not
 * running yet), which is why `npm run worker` lowers it first thing.
 */
import { setPriority } from 'node:os';
import type { Logger } from 'pino';

export function lowerExportPriority(
  nice: number,
  options: { sharesProcessWithWeb: boolean },
  log?: Logger,
): void {
  if (nice === 0) return;
  if (options.sharesProcessWithWeb && process.platform !== 'linux') {
    log?.info({ nice }, 'EXPORT_NICE applies on Linux only when exports share the web process');
    return;
  }
  try {
    // Pid 0 is the calling thread on Linux.
    setPriority(0, nice);
  } catch (error) {
    log?.warn({ err: error, nice }, 'could not lower the export threads’ CPU priority');
  }
}
