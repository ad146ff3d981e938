import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const positiveInt = z.coerce.number().int().positive();

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
  EXPORT_DIR: z.string().min(1).optional(),
  EXPORT_TTL: z
    .string()
    .regex(/^\d+[smhd]$/, 'must look like 7d, 12h, 30m or 45s')
    .default('7d'),
  EXPORT_CONCURRENCY_PER_WORKSPACE: positiveInt.default(2),
  EXPORT_PDF_ROW_CAP: positiveInt.default(10_000),
  /** Rows read and written per batch by an export job. */
  EXPORT_BATCH_SIZE: positiveInt.default(1000),
  /** A running export whose worker has not heartbeaten for this long is taken over by another worker. */
  EXPORT_LEASE_SECONDS: positiveInt.default(30),
  /** Sleeps this long after every batch: for demos of progress and cancel, and the worker-crash test. */
  EXPORT_THROTTLE_MS: z.coerce.number().int().min(0).default(0),
  SMTP_URL: z.string().url().optional(),
  MAIL_FROM: z.string().min(3).default('CRM Exports <exports@crm.local>'),
  WEBHOOK_SECRET: z.string().min(16).optional(),
  /** Lets webhooks reach loopback and private networks (local development, tests); off, they are refused. */
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((value) => value === 'true' || value === '1'),
});

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
    EXPORT_DIR: path.resolve(raw.EXPORT_DIR ?? path.join(dataDir, 'exports')),
    APP_URL: raw.APP_URL ?? `http://localhost:${raw.PORT}`,
  };
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
