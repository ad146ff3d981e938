import type { Env } from '../../env';
import type { ExportStorage } from './export-storage';
import { localDiskStorage } from './local-disk-storage';

export type { ExportStorage, StoredFile } from './export-storage';

/** The storage the environment configures. Only local disk (EXPORT_DIR) for now; an S3 driver would go here. */
export function exportStorageFor(env: Pick<Env, 'EXPORT_DIR'>): ExportStorage {
  return localDiskStorage(env.EXPORT_DIR);
}
