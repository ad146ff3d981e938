import { useState } from 'react';
import { trpc } from '../../trpc';

/**
 * Asks for a fresh signed link and follows it. The link is absolute (the server's APP_URL); only its
 * path and query are used, so the file comes from the origin the app is served from (the dev proxy too).
 */
export function useDownloadExport() {
  const mutation = trpc.downloadExport.useMutation();
  const [pendingId, setPendingId] = useState<string | null>(null);

  async function download(exportId: string): Promise<void> {
    setPendingId(exportId);
    try {
      const link = await mutation.mutateAsync({ exportId });
      const url = new URL(link.url, window.location.origin);
      const anchor = document.createElement('a');
      anchor.href = url.pathname + url.search;
      anchor.download = link.fileName;
      anchor.rel = 'noopener';
      document.body.append(anchor);
      anchor.click();
      anchor.remove();
    } finally {
      setPendingId(null);
    }
  }

  return { download, pendingId, error: mutation.error, reset: mutation.reset };
}
