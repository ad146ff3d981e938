import { Redis } from 'ioredis';
import ipaddr from 'ipaddr.js';
import type { Logger } from 'pino';
import {
  type IRateLimiterOptions,
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
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
  /** Closes the Redis connection, if one was opened. */
  close(): Promise<void>;
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

/** How the limiters reach Redis: one connection per process, opened on first use. */
export interface RedisLimitStore {
  url: string;
  /** Prepended to every key, so that several apps or environments can share one Redis. */
  keyPrefix: string;
  logger?: Logger;
}

/**
 * A limiter that every process shares through Redis (rate-limiter-flexible's RateLimiterRedis) when the
 * store is given, with an in-memory limiter of the same rule as its insurance: while Redis is down or still
 * connecting, each process goes on limiting on its own instead of refusing or letting everything through.
 * Without a store, the in-memory limiter alone (one process).
 */
function sharedLimiter(
  redis: Redis | undefined,
  prefix: string,
  rule: IRateLimiterOptions,
): RateLimiterAbstract {
  const inMemory = new RateLimiterMemory(rule);
  if (!redis) return inMemory;
  return new RateLimiterRedis({
    ...rule,
    keyPrefix: `${prefix}:${rule.keyPrefix}`,
    storeClient: redis,
    // Not connected → the insurance limiter at once, rather than waiting on a dead connection.
    rejectIfRedisNotReady: true,
    insuranceLimiter: inMemory,
  });
}

function connectRedis(store: RedisLimitStore): Redis {
  const redis = new Redis(store.url, {
    // Commands fail fast while disconnected (the insurance limiter answers); ioredis keeps reconnecting.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    lazyConnect: false,
  });
  let down = false;
  redis.on('error', (error: Error) => {
    if (down) return;
    down = true;
    store.logger?.warn(
      { err: error },
      'redis unreachable: rate limits are kept in this process until it is back',
    );
  });
  redis.on('ready', () => {
    if (down) store.logger?.info('redis reachable again: rate limits are shared again');
    down = false;
  });
  return redis;
}

/**
 * Every limiter of the process is built here: in Redis when `redis` is given (REDIS_URL), shared by every
 * process of the app, otherwise in this process's memory.
 */
export function createRateLimits(options: {
  readsPerSecond: number;
  writesPerSecond: number;
  login?: Partial<LoginLimits>;
  redis?: RedisLimitStore;
  /** The window the per-second rates are counted over, in seconds (1; tests of sharing use a longer one). */
  windowSeconds?: number;
}): RateLimits {
  // Connected on first use: worker processes build services too, and never limit anything.
  let redis: Redis | undefined;
  let built: Limiters | undefined;
  let connecting: Promise<void> | undefined;
  async function limiters(): Promise<Limiters> {
    if (built) return built;
    if (options.redis && !redis) {
      const client = connectRedis(options.redis);
      redis = client;
      // The first requests wait (up to a second) for the connection, so they count in Redis too.
      connecting = new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(done, 1000);
        client.once('ready', done);
        client.once('error', done);
      });
    }
    await connecting;
    built ??= buildLimiters(redis, options.redis?.keyPrefix ?? '', options);
    return built;
  }

  return {
    async close() {
      redis?.disconnect();
    },

    async consume(key, kind) {
      const { limiter, points, per } = (await limiters())[kind];
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
      const { overall, byAddress, byAddressAndEmail } = (await limiters()).login;
      const address = addressKey(clientIp);
      const counted: [RateLimiterAbstract, string][] = [
        [overall, 'all'],
        [byAddress, address],
        [byAddressAndEmail, `${address}|${email}`],
      ];
      // Every attempt is counted as a failure before the password is checked, and given back if it
      // succeeds: a batch of concurrent attempts cannot all pass a check made before any of them failed.
      const reserved: [RateLimiterAbstract, string][] = [];
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

interface Limiters {
  read: { limiter: RateLimiterAbstract; points: number; per: string };
  write: { limiter: RateLimiterAbstract; points: number; per: string };
  login: {
    overall: RateLimiterAbstract;
    byAddress: RateLimiterAbstract;
    byAddressAndEmail: RateLimiterAbstract;
  };
}

function buildLimiters(
  redis: Redis | undefined,
  prefix: string,
  options: {
    readsPerSecond: number;
    writesPerSecond: number;
    login?: Partial<LoginLimits>;
    windowSeconds?: number;
  },
): Limiters {
  const window = options.windowSeconds ?? 1;
  const per = window === 1 ? 'second' : `${window} seconds`;
  const login = { ...defaultLoginLimits, ...options.login };
  const day = 24 * 3600;
  return {
    read: {
      limiter: sharedLimiter(redis, prefix, {
        keyPrefix: 'rate_read',
        points: options.readsPerSecond,
        duration: window,
      }),
      points: options.readsPerSecond,
      per,
    },
    write: {
      limiter: sharedLimiter(redis, prefix, {
        keyPrefix: 'rate_write',
        points: options.writesPerSecond,
        duration: window,
      }),
      points: options.writesPerSecond,
      per,
    },
    login: {
      byAddressAndEmail: sharedLimiter(redis, prefix, {
        keyPrefix: 'login_fail_consecutive_address_email',
        points: login.consecutiveFailsByAddressAndEmail,
        duration: day, // kept until a success resets it, or for a day (the memory store's timers stop at 24.8 days)
        blockDuration: login.addressAndEmailBlockSeconds,
      }),
      byAddress: sharedLimiter(redis, prefix, {
        keyPrefix: 'login_fail_address_per_day',
        points: login.failsByAddressPerDay,
        duration: day,
        blockDuration: day,
      }),
      overall: sharedLimiter(redis, prefix, {
        keyPrefix: 'login_fail_overall_per_hour',
        points: login.failsOverallPerHour,
        duration: 3600,
      }),
    },
  };
}
