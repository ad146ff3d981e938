import ipaddr from 'ipaddr.js';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { ApiError } from './errors/api-error';

export type RequestKind = 'read' | 'write';

export interface RateLimits {
  /** Spends one point of `kind` for `key`; over the limit throws RATE_LIMIT_EXCEEDED. */
  consume(key: string, kind: RequestKind): Promise<void>;
  /**
   * Runs one login attempt (`attempt` checks the password; it throws UNAUTHORIZED when wrong) under
   * login protection; over a limit throws RATE_LIMIT_EXCEEDED without running it.
   */
  guardLogin<T>(clientIp: string, email: string, attempt: () => Promise<T>): Promise<T>;
}

/**
 * rate-limiter-flexible's login protection: failed logins are counted by address and email (consecutive,
 * reset by a success), by address per day (one address trying many emails), and across all addresses
 * (many addresses trying at once). Nothing counts by email alone, so guessing from one address never
 * locks the account for its owner elsewhere.
 */
export interface LoginLimits {
  consecutiveFailsByAddressAndEmail: number;
  /** How long an address+email pair stays refused once over its limit. */
  addressAndEmailBlockSeconds: number;
  failsByAddressPerDay: number;
  failsOverallPerHour: number;
}

export const defaultLoginLimits: LoginLimits = {
  consecutiveFailsByAddressAndEmail: 10,
  addressAndEmailBlockSeconds: 15 * 60,
  failsByAddressPerDay: 100,
  failsOverallPerHour: 1000,
};

/**
 * The key an address is counted under: an IPv4 address (IPv4-mapped IPv6 included) as itself, an IPv6
 * address by its /64, which one client usually holds whole.
 */
export function addressKey(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  return `${(parsed as ipaddr.IPv6).parts
    .slice(0, 4)
    .map((part) => part.toString(16))
    .join(':')}::/64`;
}

function tooMany(rejection: RateLimiterRes, message: string, details: Record<string, unknown>): ApiError {
  const retryAfterSeconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
  return new ApiError(
    'RATE_LIMIT_EXCEEDED',
    message,
    { retry_after_seconds: retryAfterSeconds, ...details },
    { 'Retry-After': String(retryAfterSeconds) },
  );
}

/**
 * Every limiter of the process is built here (in memory, per process; issue 11 moves them to Redis so
 * that several processes share them).
 */
export function createRateLimits(options: {
  readsPerSecond: number;
  writesPerSecond: number;
  login?: Partial<LoginLimits>;
}): RateLimits {
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
  };

  const login = { ...defaultLoginLimits, ...options.login };
  const day = 24 * 3600;
  const byAddressAndEmail = new RateLimiterMemory({
    keyPrefix: 'login_fail_consecutive_address_email',
    points: login.consecutiveFailsByAddressAndEmail,
    duration: day, // kept until a success resets it, or for a day (the memory store's timers stop at 24.8 days)
    blockDuration: login.addressAndEmailBlockSeconds,
  });
  const byAddress = new RateLimiterMemory({
    keyPrefix: 'login_fail_address_per_day',
    points: login.failsByAddressPerDay,
    duration: day,
    blockDuration: day,
  });
  const overall = new RateLimiterMemory({
    keyPrefix: 'login_fail_overall_per_hour',
    points: login.failsOverallPerHour,
    duration: 3600,
  });

  return {
    async consume(key, kind) {
      const { limiter, points, per } = limiters[kind];
      try {
        await limiter.consume(key);
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        throw tooMany(rejection, `Rate limit exceeded: at most ${points} ${kind} requests per ${per}`, {
          limit: points,
          kind,
        });
      }
    },

    async guardLogin<T>(clientIp: string, email: string, attempt: () => Promise<T>): Promise<T> {
      const address = addressKey(clientIp);
      const counted: [RateLimiterMemory, string][] = [
        [overall, 'all'],
        [byAddress, address],
        [byAddressAndEmail, `${address}|${email}`],
      ];
      // Every attempt is counted as a failure before the password is checked, and given back if it
      // succeeds: a batch of concurrent attempts cannot all pass a check made before any of them failed.
      const reserved: [RateLimiterMemory, string][] = [];
      for (const [limiter, key] of counted) {
        try {
          await limiter.consume(key);
          reserved.push([limiter, key]);
        } catch (rejection) {
          await Promise.all(reserved.map(([taken, takenKey]) => taken.reward(takenKey)));
          if (!(rejection instanceof RateLimiterRes)) throw rejection;
          throw tooMany(rejection, 'Too many failed login attempts; try again later', { kind: 'login' });
        }
      }
      let result: T;
      try {
        result = await attempt();
      } catch (error) {
        // A wrong password stays counted; a fault of ours (the database down) is not the caller's guess.
        if (!(error instanceof ApiError && error.code === 'UNAUTHORIZED')) {
          await Promise.all(counted.map(([limiter, key]) => limiter.reward(key)));
        }
        throw error;
      }
      await Promise.all([
        overall.reward('all'),
        byAddress.reward(address),
        byAddressAndEmail.delete(`${address}|${email}`),
      ]);
      return result;
    },
  };
}
