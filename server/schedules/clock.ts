/**
 * What time it is, for the scheduler: due runs, next runs, retries and pauses read it, so tests move
 * time forward instead of waiting for it. (Change windows use the database's own clock: it is the one
 * that stamps the records.)
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that stands still until told to move (tests). */
export function manualClock(
  start: string | Date,
): Clock & { set(at: string | Date): void; advance(ms: number): void } {
  let current = new Date(start);
  return {
    now: () => new Date(current),
    set(at) {
      current = new Date(at);
    },
    advance(ms) {
      current = new Date(current.getTime() + ms);
    },
  };
}
