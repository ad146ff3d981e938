import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { ApiError } from './errors/api-error';

export type RequestKind = 'read' | 'write' | 'login';

export interface RateLimits {
  /** Spends one point of `kind` for `key`; over the limit throws RATE_LIMIT_EXCEEDED. */
  consume(key: string, kind: RequestKind): Promise<void>;
}

export function createRateLimits(options: { readsPerSecond: number; writesPerSecond: number }): RateLimits {
  const limiters: Record<RequestKind, { limiter: RateLimiterMemory; points: number; per: string }> = {
    read: {
      limiter: new RateLimiterMemory({ points: options.readsPerSecond, duration: 1 }),
      points: options.readsPerSecond,
      per: 'second',
    },
    write: {
      limiter: new RateLimiterMemory({ points: options.writesPerSecond, duration: 1 }),
      points: options.writesPerSecond,
      per: 'second',
    },
    // Password guessing: 10 tries a minute per address and email.
    login: { limiter: new RateLimiterMemory({ points: 10, duration: 60 }), points: 10, per: 'minute' },
  };
  return {
    async consume(key, kind) {
      const { limiter, points, per } = limiters[kind];
      try {
        await limiter.consume(key);
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        const retryAfterSeconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
        throw new ApiError(
          'RATE_LIMIT_EXCEEDED',
          `Rate limit exceeded: at most ${points} ${kind} requests per ${per}`,
          { retry_after_seconds: retryAfterSeconds, limit: points, kind },
          { 'Retry-After': String(retryAfterSeconds) },
        );
      }
    },
  };
}
