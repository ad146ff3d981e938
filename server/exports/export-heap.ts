/**
 * The V8 heap of whatever runs exports (`npm run worker`, and the export thread of `npm start` on
 * Postgres): a budget of 192 MB for the old generation, and old space allowed to grow to 3× what was live
 * after a full collection before the next one starts.
 *
 * Why the budget: an export keeps about two batches and the writer's buffers alive (tens of MB), but with
 * V8's default budget garbage from a million rows piled up before it was collected, and peak RSS wandered
 * between 150 and 290 MB from run to run.
 *
 * Why the growth: V8 lets a heap that small grow by less than 2× between full collections. An export's
 * live heap is ~17 MB, so old space had ~24 MB of room, no more than the young generation, and V8 started
 * marking almost at once after every full collection: 95 of them during one 1M-row CSV export, against 3
 * with room to grow (`--trace-gc`). Measured by `npm run bench:export` (1M people, local Postgres; worker
 * CPU and wall time, the 192 MB budget alone → with 3× growth):
 * - CSV: 2.0 s and 3.3 s → 1.0 s and 2.7 s;
 * - JSON: 3.5 s and 5.5 s → 1.4 s and 4.1 s;
 * - XLSX: 12.0 s and 11.8 s → 11.3 s and 11.5 s, its peak RSS 172 → 222 MB (CSV and JSON unchanged).
 * 4× growth was no faster, with XLSX at 224–229 MB; 2.5× no faster either. A smaller young generation
 * (`--max-semi-space-size=2`) fixed CSV too, but nearly doubled XLSX's CPU.
 */
import { setFlagsFromString } from 'node:v8';

/** Old-generation budget of an export process or thread, in MB (package.json's `worker` says it too). */
export const exportHeapBudgetMb = 192;

/**
 * Lets old space grow to 3× its live size between full collections. A V8 flag is the process's: in
 * `npm start` it also reaches the web's heap, which has no budget and grows up to 4× by V8's own rule.
 */
export function allowExportHeapGrowth(): void {
  setFlagsFromString('--heap-growing-percent=200');
}
