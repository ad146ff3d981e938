import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { addThreadMetrics, type MetricsSnapshot } from '../metrics/metrics';
import { allowExportHeapGrowth, exportHeapBudgetMb } from './export-heap';

export interface ExportThread {
  stop(): Promise<void>;
}

/**
 * Runs the export workers in a worker thread (`entry`: the bundle of server/export-thread.ts) and keeps
 * it running: a thread that dies (out of memory, say) is replaced after a second, and the exports it
 * held are taken over once their lease ends. Resolves once the thread's engine has started.
 */
export async function startExportThread(entry: URL, logger: Logger): Promise<ExportThread> {
  let stopping = false;
  let current: Worker | undefined;
  allowExportHeapGrowth();

  const spawn = () =>
    new Promise<void>((resolve, reject) => {
      // The same heap as `npm run worker` (see export-heap.ts for why).
      const worker = new Worker(entry, { resourceLimits: { maxOldGenerationSizeMb: exportHeapBudgetMb } });
      current = worker;
      let ready = false;
      worker.on('message', (message: unknown) => {
        if (message === 'ready') {
          ready = true;
          resolve();
        }
      });
      worker.on('error', (error) => {
        logger.error({ err: error }, 'export thread failed');
        if (!ready) reject(error);
      });
      worker.on('exit', (code) => {
        if (current === worker) current = undefined;
        if (stopping || !ready) return;
        logger.error({ exit_code: code }, 'export thread exited; starting another');
        setTimeout(() => {
          if (!stopping)
            spawn().catch((error: unknown) =>
              logger.error({ err: error }, 'could not restart the export thread'),
            );
        }, 1000).unref();
      });
    });

  await spawn();
  const removeMetrics = addThreadMetrics(() => threadMetrics(current));
  return {
    async stop() {
      stopping = true;
      removeMetrics();
      const worker = current;
      if (!worker) return;
      const stopped = new Promise<void>((resolve) => {
        worker.on('message', (message: unknown) => {
          if (message === 'stopped') resolve();
        });
        worker.once('exit', () => resolve());
      });
      worker.postMessage('stop');
      // Its engine waits for running exports to go back to the queue; do not wait forever.
      const timeout = setTimeout(() => void worker.terminate(), 20_000);
      await stopped;
      clearTimeout(timeout);
      await worker.terminate();
    },
  };
}

/** Asks the thread for its metrics (for the host's /metrics); undefined if it does not answer within 2 s. */
function threadMetrics(worker: Worker | undefined): Promise<MetricsSnapshot | undefined> {
  if (!worker) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const onMessage = (message: unknown) => {
      if (typeof message !== 'object' || message === null || !('metrics' in message)) return;
      done((message as { metrics: MetricsSnapshot }).metrics);
    };
    const done = (metrics: MetricsSnapshot | undefined) => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      resolve(metrics);
    };
    const timer = setTimeout(() => done(undefined), 2000);
    worker.on('message', onMessage);
    worker.postMessage('metrics');
  });
}
