import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { and, eq } from 'drizzle-orm';
import { users } from '../../drizzle/schema';
import { ApiError } from '../errors/api-error';
import type { ApiRoute } from '../http';
import { verifyDownloadToken } from './download-token';
import { assertDownloadable, findVisibleExport } from './export-service';
import { exportStorageFor } from './storage';

const uuidPattern = '[0-9a-fA-F-]{36}';
/** A presigned download link is followed at once; a minute leaves room for a slow redirect, no more. */
export const presignedLinkSeconds = 60;

/** `people-2026-11-24.csv` stays as it is; anything outside [A-Za-z0-9._-] becomes `_`. */
export function safeFileName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '');
  return cleaned.slice(0, 120) || 'export';
}

/**
 * GET /api/exports/:id/download?token=… — the link downloadExport hands out. The token alone
 * authenticates (it is what a browser follows), and everything is checked again here: signature and
 * expiry, that the user still exists in the export's workspace and may see it, and that the file is
 * still there.
 */
export const exportDownloadRoute: ApiRoute = {
  method: 'GET',
  path: new RegExp(`^/exports/(${uuidPattern})/download$`),
  async handle(request, response) {
    const exportId = request.params[0] ?? '';
    const { services } = request;
    const claims = verifyDownloadToken(services.env.APP_SECRET, request.url.searchParams.get('token') ?? '');
    if (!claims || claims.exportId !== exportId)
      throw new ApiError('UNAUTHORIZED', 'The download link is not valid or has expired; ask for a new one');
    const [user] = await services.database.db
      .select({
        id: users.id,
        email: users.email,
        name: users.name,
        role: users.role,
        workspaceId: users.workspaceId,
      })
      .from(users)
      .where(and(eq(users.id, claims.userId)));
    if (!user)
      throw new ApiError('UNAUTHORIZED', 'The download link is not valid or has expired; ask for a new one');
    const identity = {
      user: { id: user.id, email: user.email, name: user.name, role: user.role },
      workspace: { id: user.workspaceId, slug: '', name: '' },
      via: 'session' as const,
      scopes: [],
    };
    const found = await findVisibleExport(services, identity, exportId);
    assertDownloadable(found);
    const storage = exportStorageFor(services.env);
    const fileName = safeFileName(found.fileName ?? `export-${exportId}`);
    const contentDisposition = `attachment; filename="${fileName}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
    const contentType = found.contentType ?? 'application/octet-stream';
    if (storage.downloadUrl && services.env.S3_PRESIGN) {
      // The bucket serves the bytes; the link works for a minute and answers with the same headers.
      const location = found.storageKey
        ? await storage.downloadUrl(found.storageKey, {
            contentType,
            contentDisposition,
            expiresInSeconds: presignedLinkSeconds,
          })
        : undefined;
      if (!location) throw new ApiError('EXPORT_EXPIRED', 'Export file has expired', { expired_at: null });
      response.writeHead(302, { Location: location, 'Cache-Control': 'private, no-store' });
      response.end();
      return;
    }
    const file = found.storageKey ? await storage.get(found.storageKey) : undefined;
    if (!file) throw new ApiError('EXPORT_EXPIRED', 'Export file has expired', { expired_at: null });
    response.writeHead(200, {
      'Content-Type': contentType,
      'Content-Length': file.size,
      'Content-Disposition': contentDisposition,
      'Cache-Control': 'private, no-store',
      'X-Content-Type-Options': 'nosniff',
      ...(found.sha256 ? { Digest: `sha-256=${Buffer.from(found.sha256, 'hex').toString('base64')}` } : {}),
    });
    if (request.raw.method === 'HEAD') {
      file.body.destroy();
      response.end();
      return;
    }
    try {
      await pipeline(file.body, response);
    } catch (error) {
      // The browser went away mid-download (a closed tab, a cancelled save): nothing failed here.
      if (!isClientAbort(error, response)) throw error;
      services.logger.info(
        { request_id: request.requestId, export_id: exportId, sent_bytes: response.socket?.bytesWritten },
        'download aborted by the client',
      );
    }
  },
};

function isClientAbort(error: unknown, response: ServerResponse): boolean {
  return (
    (error as NodeJS.ErrnoException | undefined)?.code === 'ERR_STREAM_PREMATURE_CLOSE' &&
    !response.writableFinished
  );
}

export const exportApiRoutes: ApiRoute[] = [exportDownloadRoute];
