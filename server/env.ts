import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const positiveInt = z.coerce.number().int().positive();
/** `true`/`1` or `false`/`0`. */
const flag = (fallback: 'true' | 'false') =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback)
    .transform((value) => value === 'true' || value === '1');

/** Every setting the process reads from its environment; a bad value stops the process at start. */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATA_DIR: z.string().min(1).default('./.data'),
  APP_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  APP_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  RATE_LIMIT_READS_PER_SECOND: positiveInt.default(100),
  RATE_LIMIT_WRITES_PER_SECOND: positiveInt.default(25),
  /** Largest request body read; more is refused with 413 before it is read. */
  MAX_BODY_BYTES: positiveInt.default(1_048_576),
  EXPORT_DIR: z.string().min(1).optional(),
  /** `s3://bucket/prefix` stores export files in S3; unset or `file:///dir` keeps them on local disk. */
  EXPORT_STORAGE_URL: z
    .string()
    .regex(/^(s3:\/\/[^/\s]+(\/\S*)?|file:\/\/\S+)$/, 'must be s3://bucket/prefix or file:///directory')
    .optional(),
  S3_ENDPOINT: z.string().url().optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_FORCE_PATH_STYLE: flag('false'),
  /** Downloads redirect to a presigned URL (true) or are streamed through the app (false). */
  S3_PRESIGN: flag('true'),
  EXPORT_TTL: z
    .string()
    .regex(/^\d+[smhd]$/, 'must look like 7d, 12h, 30m or 45s')
    .default('7d'),
  /** Exports one process runs at once, whatever their workspace (`npm start` and each `npm run worker`). */
  EXPORT_WORKERS: positiveInt.default(4),
  EXPORT_CONCURRENCY_PER_WORKSPACE: positiveInt.default(2),
  EXPORT_PDF_ROW_CAP: positiveInt.default(10_000),
  /** Rows read and written per batch by an export job. */
  EXPORT_BATCH_SIZE: positiveInt.default(1000),
  /** A running export whose worker has not heartbeaten for this long is taken over by another worker. */
  EXPORT_LEASE_SECONDS: positiveInt.default(30),
  /** Times an export is started (first run, takeovers, requeues) before it fails: a poison export must end. */
  EXPORT_MAX_ATTEMPTS: positiveInt.max(100).default(3),
  /** A running export whose processed rows have not moved for this long is failed by the watchdog. */
  EXPORT_STALL_SECONDS: positiveInt.default(300),
  /** Sleeps this long after every batch: for demos of progress and cancel, and the worker-crash test. */
  EXPORT_THROTTLE_MS: z.coerce.number().int().min(0).default(0),
  /** Nice value of the threads that run exports (export-priority.ts): the web gets the CPU first. */
  EXPORT_NICE: z.coerce.number().int().min(0).max(19).default(10),
  EXPORT_SCHEDULE_POLL_SECONDS: positiveInt.default(5),
  EXPORT_SCHEDULE_ATTEMPTS: positiveInt.max(10).default(3),
  EXPORT_SCHEDULE_RETRY_SECONDS: positiveInt.default(60),
  EXPORT_SCHEDULE_PAUSE_AFTER: positiveInt.default(3),
  SMTP_URL: z.string().url().optional(),
  MAIL_FROM: z.string().min(3).default('CRM Exports <exports@crm.local>'),
  WEBHOOK_SECRET: z.string().min(16).optional(),
  /** Lets webhooks reach loopback and private networks (local development, tests); off, they are refused. */
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((value) => value === 'true' || value === '1'),
  /** One delivery attempt (connect, send, answer) is given up after this long, and retried later. */
  WEBHOOK_TIMEOUT_SECONDS: positiveInt.default(10),
  /** Rate limits shared by every process through this Redis; unset → each process counts alone. */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  REDIS_KEY_PREFIX: z.string().min(1).default('crm'),
  /** Serves GET /metrics (Prometheus) on PORT. */
  METRICS: flag('false'),
  /** Serves GET /metrics on this port instead, apart from the app (e.g. reachable by Prometheus only). */
  METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
});

type EnvVariable = keyof typeof envSchema.shape;

/**
 * What each variable means, for the README's configuration table (`npm run docs:config`). Keyed by the
 * schema, so a variable cannot be added without being documented. `shownDefault` is for computed defaults.
 */
export const envDocs: Record<EnvVariable, { meaning: string; shownDefault?: string }> = {
  NODE_ENV: { meaning: '`development`, `test` or `production`' },
  PORT: { meaning: 'HTTP port' },
  DATABASE_URL: {
    meaning: '`postgres://…`; unset → embedded PGlite at `$DATA_DIR/pglite`',
    shownDefault: '—',
  },
  DATA_DIR: { meaning: 'PGlite data, the generated secret, export files, the mail outbox' },
  APP_SECRET: {
    meaning: 'signs download links; the webhook secret derives from it when unset (≥ 32 characters)',
    shownDefault: 'generated once into `$DATA_DIR/app-secret`',
  },
  APP_URL: {
    meaning: 'links in emails; `https://` also marks the session cookie `Secure`',
    shownDefault: '`http://localhost:$PORT`',
  },
  LOG_LEVEL: { meaning: 'pino level; one JSON line per request and per error' },
  RATE_LIMIT_READS_PER_SECOND: { meaning: 'queries per second per API key or session' },
  RATE_LIMIT_WRITES_PER_SECOND: { meaning: 'mutations per second per API key or session' },
  MAX_BODY_BYTES: { meaning: 'largest request body accepted; larger ones answer `413 PAYLOAD_TOO_LARGE`' },
  EXPORT_DIR: { meaning: 'where export files are written', shownDefault: '`$DATA_DIR/exports`' },
  EXPORT_STORAGE_URL: {
    meaning:
      '`s3://bucket/prefix` → export files in S3 ([below](#several-machines)); unset or `file:///dir` → local disk',
    shownDefault: '`file://$EXPORT_DIR`',
  },
  S3_ENDPOINT: {
    meaning: "an S3-compatible endpoint (MinIO, R2…); credentials come from the AWS SDK's usual chain",
    shownDefault: 'AWS',
  },
  S3_REGION: { meaning: "the bucket's region" },
  S3_FORCE_PATH_STYLE: { meaning: '`true` for endpoints that want `host/bucket/key` URLs (MinIO, s3rver)' },
  S3_PRESIGN: {
    meaning:
      'downloads redirect to a presigned S3 URL valid 60 s; `false` streams them through the app instead',
  },
  EXPORT_TTL: { meaning: 'how long export files are kept (`45s`, `30m`, `12h`, `7d`)' },
  EXPORT_WORKERS: {
    meaning:
      'exports one process runs at once, across workspaces (taken fairly: round-robin between workspaces)',
  },
  EXPORT_CONCURRENCY_PER_WORKSPACE: {
    meaning: 'running exports per workspace, across all processes; the rest wait as `queued`',
  },
  EXPORT_PDF_ROW_CAP: { meaning: 'larger PDF exports are refused up front' },
  EXPORT_BATCH_SIZE: { meaning: 'rows read and written per batch by an export job (at most 250 on PGlite)' },
  EXPORT_LEASE_SECONDS: {
    meaning: 'a running export whose worker stopped heartbeating this long is taken over',
  },
  EXPORT_MAX_ATTEMPTS: {
    meaning:
      'times an export is started (after a lost worker or connection) before it fails; raise it where workers are often killed (spot instances)',
  },
  EXPORT_STALL_SECONDS: {
    meaning: 'a running export whose processed rows have not moved this long is failed (`EXPORT_STALLED`)',
  },
  EXPORT_THROTTLE_MS: { meaning: 'pause after every batch (demos of progress and cancel; tests)' },
  EXPORT_NICE: {
    meaning:
      'nice value (0–19) of the threads that run exports on Postgres: requests get the CPU first when both want it; 0 = same as the web',
  },
  EXPORT_SCHEDULE_POLL_SECONDS: {
    meaning: 'how often each process looks for due scheduled exports (each due run starts exactly once)',
  },
  EXPORT_SCHEDULE_ATTEMPTS: {
    meaning: 'exports one scheduled run starts before it counts as failed (the owner is then told)',
  },
  EXPORT_SCHEDULE_RETRY_SECONDS: {
    meaning: 'wait before retrying a failed scheduled run; ×4 after each further failure',
  },
  EXPORT_SCHEDULE_PAUSE_AFTER: {
    meaning: 'failed runs in a row after which a schedule pauses itself and says so',
  },
  SMTP_URL: {
    meaning: '`smtp://…`; unset → messages are written as `.eml` files under `$DATA_DIR/outbox`',
    shownDefault: '—',
  },
  MAIL_FROM: { meaning: 'sender of notification emails' },
  WEBHOOK_SECRET: {
    meaning: 'signs webhook deliveries ([verifying them](docs/webhooks.md))',
    shownDefault: 'derived from `APP_SECRET`',
  },
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: {
    meaning: 'let webhooks reach loopback and private addresses (local development); otherwise refused',
  },
  WEBHOOK_TIMEOUT_SECONDS: {
    meaning: 'a webhook attempt (connect, send, answer) is given up after this long and retried later',
  },
  REDIS_URL: {
    meaning:
      '`redis://…`: rate limits and login protection shared by every process (in memory while Redis is down); unset → per process',
    shownDefault: '—',
  },
  REDIS_KEY_PREFIX: {
    meaning: "prefix of this app's keys in Redis (apps or environments sharing one Redis)",
  },
  METRICS: { meaning: '`true` serves `GET /metrics` (Prometheus text) on `PORT`' },
  METRICS_PORT: {
    meaning: 'serves `GET /metrics` on this port instead, apart from the app',
    shownDefault: '—',
  },
};

/** The README's configuration table, generated from the schema and envDocs. */
export function renderConfigurationTable(): string {
  const rows = (Object.keys(envDocs) as EnvVariable[]).map((name) => {
    const doc = envDocs[name];
    const parsed = envSchema.shape[name].safeParse(undefined);
    const shownDefault =
      doc.shownDefault ?? (parsed.success && parsed.data !== undefined ? `\`${String(parsed.data)}\`` : '—');
    return `| \`${name}\` | ${shownDefault} | ${doc.meaning} |`;
  });
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

export type RawEnv = z.infer<typeof envSchema>;
export type Env = RawEnv & { APP_SECRET: string; EXPORT_DIR: string; APP_URL: string };

export class EnvError extends Error {}

/** Parses the environment; unset APP_SECRET is generated once and kept under DATA_DIR. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  // An empty variable (`DATABASE_URL=`) means unset, as in most twelve-factor apps.
  const present = Object.fromEntries(
    Object.entries(source).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new EnvError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const raw = parsed.data;
  const dataDir = path.resolve(raw.DATA_DIR);
  return {
    ...raw,
    DATA_DIR: dataDir,
    APP_SECRET: raw.APP_SECRET ?? persistedSecret(dataDir),
    EXPORT_DIR: raw.EXPORT_STORAGE_URL?.startsWith('file://')
      ? fileURLToPath(raw.EXPORT_STORAGE_URL)
      : path.resolve(raw.EXPORT_DIR ?? path.join(dataDir, 'exports')),
    APP_URL: raw.APP_URL ?? `http://localhost:${raw.PORT}`,
  };
}

/** For entry points: the parsed environment, or the reasons printed and the process ended with status 1. */
export function loadEnvOrExit(): Env {
  try {
    return loadEnv();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

function persistedSecret(dataDir: string): string {
  const file = path.join(dataDir, 'app-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

export function ttlToMs(ttl: string): number {
  const unit = ttl.at(-1);
  const amount = Number(ttl.slice(0, -1));
  const factor = unit === 's' ? 1000 : unit === 'm' ? 60_000 : unit === 'h' ? 3_600_000 : 86_400_000;
  return amount * factor;
}
