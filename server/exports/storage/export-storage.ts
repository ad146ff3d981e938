import type { Readable } from 'node:stream';

export interface StoredFile {
  size: number;
  sha256: string;
}

/** What a presigned download must answer with, as the app's own download route would. */
export interface DownloadLinkOptions {
  contentType: string;
  contentDisposition: string;
  /** How long the link works (the S3 driver is given 60 s at most). */
  expiresInSeconds: number;
}

/**
 * Where finished export files live. `put` must be all-or-nothing: a file is visible under its key only
 * once the whole body has been written (so a crash never leaves a partial file that looks complete),
 * and a body that errors leaves nothing behind. Local disk renames a finished file into place; S3 completes
 * a multipart upload.
 */
export interface ExportStorage {
  put(key: string, body: Readable): Promise<StoredFile>;
  get(key: string): Promise<{ body: Readable; size: number } | undefined>;
  delete(key: string): Promise<void>;
  /**
   * A short-lived URL the browser fetches the file from itself (S3's presigned GET), or undefined when the
   * file is gone. Storage without one (local disk) is streamed by the download route.
   */
  downloadUrl?(key: string, options: DownloadLinkOptions): Promise<string | undefined>;
}
