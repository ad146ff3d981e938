/**
 * Child processes a benchmark starts, killed when the benchmark exits, however it exits (a crash, a
 * `timeout`'s SIGTERM). An export worker left behind by a crashed run goes on taking jobs from the
 * bench's database: the next run's exports land on it, and the figures measured of the run's own worker
 * (CPU, peak RSS) silently describe an idle process.
 */
import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';

const owned = new Set<ChildProcess>();

process.once('exit', () => {
  for (const child of owned) child.kill('SIGKILL');
});
for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => process.exit(128 + constants.signals[signal]));
}

/** `child`, killed with this process unless it has exited by then. */
export function ownChild<T extends ChildProcess>(child: T): T {
  owned.add(child);
  child.once('exit', () => owned.delete(child));
  return child;
}
