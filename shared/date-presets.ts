/**
 * Relative date ranges ("last 7 days", "this month"). A view or an export stores the preset itself and
 * resolves it when it runs, so a view reopened tomorrow means tomorrow's last 7 days.
 */

export const datePresets = [
  'today',
  'yesterday',
  'last_7_days',
  'last_30_days',
  'last_90_days',
  'this_week',
  'this_month',
  'last_month',
  'this_quarter',
  'this_year',
] as const;
export type DatePreset = (typeof datePresets)[number];

export const datePresetLabels: Record<DatePreset, string> = {
  today: 'Today',
  yesterday: 'Yesterday',
  last_7_days: 'Last 7 days',
  last_30_days: 'Last 30 days',
  last_90_days: 'Last 90 days',
  this_week: 'This week',
  this_month: 'This month',
  last_month: 'Last month',
  this_quarter: 'This quarter',
  this_year: 'This year',
};

/** `YYYY-MM-DD`: the calendar day `now` falls on in `zone`. */
export function dayIn(zone: string, now: Date): string {
  // en-CA writes dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
}

const dayMs = 86_400_000;
const toDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const addDays = (day: string, days: number) => toDay(Date.parse(`${day}T00:00:00Z`) + days * dayMs);
const firstOfMonth = (year: number, month: number) => toDay(Date.UTC(year, month, 1));

/**
 * The calendar days a preset covers on the day `now` falls on in `zone`, both ends included ("last 7
 * days" is today and the 6 days before it; weeks start on Monday). The export applies whole days in its
 * time zone, like any `from`/`to` given as dates.
 */
export function resolveDatePreset(preset: DatePreset, zone: string, now: Date): { from: string; to: string } {
  const today = dayIn(zone, now);
  const [year, month] = today.split('-').map(Number) as [number, number];
  switch (preset) {
    case 'today':
      return { from: today, to: today };
    case 'yesterday': {
      const yesterday = addDays(today, -1);
      return { from: yesterday, to: yesterday };
    }
    case 'last_7_days':
      return { from: addDays(today, -6), to: today };
    case 'last_30_days':
      return { from: addDays(today, -29), to: today };
    case 'last_90_days':
      return { from: addDays(today, -89), to: today };
    case 'this_week': {
      const weekday = (new Date(`${today}T00:00:00Z`).getUTCDay() + 6) % 7; // Monday 0
      return { from: addDays(today, -weekday), to: today };
    }
    case 'this_month':
      return { from: firstOfMonth(year, month - 1), to: today };
    case 'last_month':
      return { from: firstOfMonth(year, month - 2), to: addDays(firstOfMonth(year, month - 1), -1) };
    case 'this_quarter':
      return { from: firstOfMonth(year, Math.floor((month - 1) / 3) * 3), to: today };
    case 'this_year':
      return { from: firstOfMonth(year, 0), to: today };
  }
}
