/**
 * A separate process for server/rate-limits-shared.test.ts: builds the app's rate limits on REDIS_URL
 * (prefix REDIS_KEY_PREFIX, 10 reads per 60 s window) and spends COUNT read points of one key, then prints
 * how many were allowed.
 */
import { ApiError } from '../errors/api-error';
import { createRateLimits } from '../rate-limits';

const limits = createRateLimits({
  readsPerSecond: 10,
  writesPerSecond: 10,
  windowSeconds: 60,
  redis: { url: process.env.REDIS_URL ?? '', keyPrefix: process.env.REDIS_KEY_PREFIX ?? '' },
});
let allowed = 0;
for (let index = 0; index < Number(process.env.COUNT); index++) {
  try {
    await limits.consume('user:shared', 'read');
    allowed++;
  } catch (error) {
    if (!(error instanceof ApiError && error.code === 'RATE_LIMIT_EXCEEDED')) throw error;
  }
}
await limits.close();
console.log(JSON.stringify({ allowed }));
