/**
 * The part of autocannon 9's programmatic API that the benches use. autocannon ships no types of its own
 * and @types/autocannon stops at 7.12, an older major version, so only what is called and read here is
 * declared (autocannon's lib/run.js and lib/aggregateResult.js are where these come from).
 */
declare module 'autocannon' {
  export interface Options {
    url: string;
    method?: 'GET' | 'POST';
    headers?: Record<string, string>;
    /** Seconds. */
    duration?: number;
    /** Concurrent connections, each with one request in flight. */
    connections?: number;
    /** Worker threads generating the load (0: this thread). */
    workers?: number;
  }

  /** Percentiles `pN` (p2_5, p50, p97_5, p99, p99_9…) and summary figures of one histogram. */
  export interface Histogram {
    average: number;
    mean: number;
    stddev: number;
    min: number;
    max: number;
    p50: number;
    p90: number;
    p99: number;
    p99_9: number;
  }

  export interface Result {
    /** Seconds the run lasted. */
    duration: number;
    errors: number;
    timeouts: number;
    /** Responses whose status was not 2xx. */
    non2xx: number;
    /** Milliseconds, of 2xx responses only. */
    latency: Histogram;
    /** Per-second samples; `total` is every completed request. */
    requests: Histogram & { total: number; sent: number };
  }

  export default function autocannon(options: Options): Promise<Result>;
}
