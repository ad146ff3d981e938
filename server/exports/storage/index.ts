import type { Env } from '../../env';
import type { ExportStorage } from './export-storage';
import { localDiskStorage } from './local-disk-storage';
import { parseS3Url, s3Storage } from './s3-storage';

export type { DownloadLinkOptions, ExportStorage, StoredFile } from './export-storage';

export type StorageEnv = Pick<
  Env,
  'EXPORT_DIR' | 'EXPORT_STORAGE_URL' | 'S3_ENDPOINT' | 'S3_REGION' | 'S3_FORCE_PATH_STYLE'
>;

// One driver per configuration and process: an S3 client keeps its connections and credentials.
const opened = new Map<string, ExportStorage>();

/**
 * The storage the environment configures: `EXPORT_STORAGE_URL=s3://bucket/prefix` → the bucket (S3_ENDPOINT,
 * S3_REGION, S3_FORCE_PATH_STYLE, the SDK's credential chain); unset or `file://…` → local disk (EXPORT_DIR).
 */
export function exportStorageFor(env: StorageEnv): ExportStorage {
  const s3 = env.EXPORT_STORAGE_URL?.startsWith('s3://') ? env.EXPORT_STORAGE_URL : undefined;
  const id = s3
    ? JSON.stringify([s3, env.S3_ENDPOINT, env.S3_REGION, env.S3_FORCE_PATH_STYLE])
    : `file:${env.EXPORT_DIR}`;
  let storage = opened.get(id);
  if (!storage) {
    storage = s3
      ? s3Storage({
          ...parseS3Url(s3),
          endpoint: env.S3_ENDPOINT,
          region: env.S3_REGION,
          forcePathStyle: env.S3_FORCE_PATH_STYLE,
        })
      : localDiskStorage(env.EXPORT_DIR);
    opened.set(id, storage);
  }
  return storage;
}
