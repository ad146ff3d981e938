/**
 * What the benchmarks read of processes from /proc: a process's CPU time and peak memory, and the CPU of
 * the local Postgres server's processes over a stretch of time.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** CPU seconds (user + system) a process has used so far, from /proc (clock ticks of 1/100 s). */
export function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds of every Postgres server process now, by pid (the local server's backends, from /proc). */
function postgresCpuByPid(): Map<string, number> {
  const byPid = new Map<string, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const fields = stat.split(') ')[1]?.split(' ') ?? [];
      byPid.set(entry, (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // The process ended while being read.
    }
  }
  return byPid;
}

/**
 * The database's CPU over a stretch of time: every Postgres process is sampled every 100 ms and its last
 * reading kept, so a backend that exits (the export's connection closes with it) still counts, up to its
 * last 100 ms. Includes everything the database did meanwhile (progress writes, status polls).
 */
export function postgresCpuMeter() {
  const first = postgresCpuByPid();
  const last = new Map(first);
  const sample = () => {
    for (const [pid, seconds] of postgresCpuByPid()) last.set(pid, seconds);
  };
  const timer = setInterval(sample, 100);
  return {
    stop(): number {
      clearInterval(timer);
      sample();
      let total = 0;
      for (const [pid, seconds] of last) total += seconds - (first.get(pid) ?? 0);
      return Math.round(total * 100) / 100;
    },
  };
}

export function peakRssMb(pid: number | undefined): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
  } catch {
    return Number.NaN;
  }
}
