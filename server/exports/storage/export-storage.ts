import type { Readable } from 'node:stream';

export interface StoredFile {
  size: number;
  sha256: string;
}

/**
 * Where finished export files live. `put` must be all-or-nothing: a file is visible under its key only
 * once the whole body has been written (so a crash never leaves a partial file that looks complete),
 * and a body that errors leaves nothing behind. An S3 driver would map put → multipart upload.
 */
export interface ExportStorage {
  put(key: string, body: Readable): Promise<StoredFile>;
  get(key: string): Promise<{ body: Readable; size: number } | undefined>;
  delete(key: string): Promise<void>;
}
