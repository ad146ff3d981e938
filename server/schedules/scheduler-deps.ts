import type { AppServices } from '../context';
import { createMailer, type Mailer } from '../exports/notify/export-email';
import { type Clock, systemClock } from './clock';
import type { SchedulerDeps } from './schedule-runs';

const mailers = new WeakMap<AppServices, Mailer>();

/** What a request handler needs to run a schedule now: the app's services, the system clock, one mailer per app. */
export function schedulerDepsFor(services: AppServices, clock: Clock = systemClock): SchedulerDeps {
  let mailer = mailers.get(services);
  if (!mailer) {
    mailer = createMailer(services.env, services.logger.child({ component: 'schedules' }));
    mailers.set(services, mailer);
  }
  return { services, clock, mailer };
}
