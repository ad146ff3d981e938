import { setTimeout as sleep } from 'node:timers/promises';
import type { AppServices } from '../context';
import { createMailer, type Mailer } from '../exports/notify/export-email';
import { type Clock, systemClock } from './clock';
import { type SchedulerDeps, sweepSchedules } from './schedule-runs';

export interface ExportScheduler {
  /** One sweep now (settle finished runs, start due ones); tests drive the scheduler with it. */
  sweep(): Promise<{ settled: number; started: number }>;
  stop(): Promise<void>;
}

/**
 * Starts scheduled exports in this process: every EXPORT_SCHEDULE_POLL_SECONDS it settles runs whose
 * export ended and starts those that are due. Run it in every process that runs export workers (npm
 * start, npm run worker): each due run is claimed by exactly one of them (schedule-runs.ts).
 */
export function startExportScheduler(
  services: AppServices,
  options: { clock?: Clock; pollSeconds?: number; mailer?: Mailer; loop?: boolean } = {},
): ExportScheduler {
  const log = services.logger.child({ component: 'schedules' });
  const deps: SchedulerDeps = {
    services: {
      ...services,
      logger: log,
      get exportQueue() {
        return services.exportQueue;
      },
    },
    clock: options.clock ?? systemClock,
    mailer: options.mailer ?? createMailer(services.env, log),
  };
  const pollMs = (options.pollSeconds ?? services.env.EXPORT_SCHEDULE_POLL_SECONDS) * 1000;
  const stopped = new AbortController();
  const loop =
    options.loop === false
      ? Promise.resolve()
      : (async () => {
          while (!stopped.signal.aborted) {
            await sweepSchedules(deps).catch((error: unknown) =>
              log.warn({ err: error }, 'could not look for due scheduled exports'),
            );
            await sleep(pollMs, undefined, { signal: stopped.signal }).catch(() => {});
          }
        })();
  return {
    sweep: () => sweepSchedules(deps),
    async stop() {
      stopped.abort();
      await loop;
    },
  };
}
