import { createHash } from 'node:crypto';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  S3Client,
  type S3ClientConfig,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { DownloadLinkOptions, ExportStorage, StoredFile } from './export-storage';

export interface S3Location {
  bucket: string;
  /** Prepended to every key, without a leading or trailing slash ('' for the bucket's root). */
  prefix: string;
}

/** `s3://bucket/some/prefix` → { bucket, prefix: 'some/prefix' }. */
export function parseS3Url(url: string): S3Location {
  const parsed = new URL(url);
  if (parsed.protocol !== 's3:' || !parsed.hostname) throw new Error(`not an s3://bucket/prefix URL: ${url}`);
  return { bucket: parsed.hostname, prefix: decodeURIComponent(parsed.pathname).replace(/^\/+|\/+$/g, '') };
}

export interface S3StorageOptions extends S3Location {
  /** S3_ENDPOINT: another S3-compatible service (MinIO, R2, the tests' s3rver); unset → AWS. */
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  /** Default: the SDK's credential chain (AWS_ACCESS_KEY_ID…, profiles, instance roles). */
  credentials?: S3ClientConfig['credentials'];
}

/** Multipart parts: S3's minimum, and two in flight, so an upload holds at most ~10 MB in memory. */
const partSize = 5 * 1024 * 1024;
const partsInFlight = 2;

/**
 * Export files in an S3 bucket. `put` streams the body into a multipart upload (lib-storage), hashing it
 * on the way; the object exists only once the upload completes, and a failed body aborts the upload, so a
 * partial file is never visible. Downloads are presigned GET URLs carrying the response headers the app
 * would have sent itself.
 */
export function s3Storage(options: S3StorageOptions): ExportStorage & { client: S3Client } {
  const client = new S3Client({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: options.forcePathStyle,
    credentials: options.credentials,
    // The SDK's default since 2025 adds CRC32 checksum trailers to every upload; S3-compatible servers that
    // do not know them (s3rver, older MinIO) store the trailer inside the object. Only where S3 requires one.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const { bucket } = options;
  const objectKey = (key: string) => {
    if (key.split('/').some((part) => part === '..' || part === '.' || part === ''))
      throw new Error(`storage key is not a plain relative path: ${key}`);
    return options.prefix ? `${options.prefix}/${key}` : key;
  };

  return {
    client,

    async put(key, body: Readable): Promise<StoredFile> {
      const hash = createHash('sha256');
      let size = 0;
      const measured = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          hash.update(chunk);
          size += chunk.length;
          callback(null, chunk);
        },
      });
      const upload = new Upload({
        client,
        params: { Bucket: bucket, Key: objectKey(key), Body: measured },
        partSize,
        queueSize: partsInFlight,
        // A failed upload aborts its multipart upload: no parts are left behind to pay for.
        leavePartsOnError: false,
      });
      const uploaded = upload.done();
      try {
        await Promise.all([pipeline(body, measured), uploaded]);
      } catch (error) {
        // The body failed (the writer threw, the export was cancelled) or S3 refused a part: abort the
        // multipart upload, and remove the object in case the last request had completed it anyway.
        measured.destroy(error as Error);
        await upload.abort().catch(() => {});
        await uploaded.catch(() => {});
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: objectKey(key) })).catch(() => {});
        throw error;
      }
      return { size, sha256: hash.digest('hex') };
    },

    async get(key) {
      try {
        const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: objectKey(key) }));
        if (!object.Body) return undefined;
        return { body: object.Body as Readable, size: object.ContentLength ?? 0 };
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },

    async delete(key) {
      // Deleting a missing object is not an error in S3.
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: objectKey(key) }));
    },

    async downloadUrl(key, link: DownloadLinkOptions) {
      try {
        await client.send(new HeadObjectCommand({ Bucket: bucket, Key: objectKey(key) }));
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
      const command = new GetObjectCommand({
        Bucket: bucket,
        Key: objectKey(key),
        ResponseContentDisposition: link.contentDisposition,
        ResponseContentType: link.contentType,
        ResponseCacheControl: 'private, no-store',
      });
      return getSignedUrl(client, command, { expiresIn: link.expiresInSeconds });
    },
  };
}

function isMissing(error: unknown): boolean {
  return (
    error instanceof S3ServiceException &&
    (error.name === 'NoSuchKey' || error.name === 'NotFound' || error.$metadata.httpStatusCode === 404)
  );
}
