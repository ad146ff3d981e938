import { findAttribute, type ObjectSlug } from '../../shared/catalog';
import { type DatePreset, resolveDatePreset } from '../../shared/date-presets';
import { zoneOffsetMinutes } from '../exports/writers/cell-values';

/** The instant a calendar day starts in a time zone (DST-aware: the offset is taken at that instant). */
export function startOfDayIn(day: string, zone: string): string {
  const midnightUtc = Date.parse(`${day}T00:00:00Z`);
  let instant = midnightUtc - zoneOffsetMinutes(zone, new Date(midnightUtc)) * 60_000;
  instant = midnightUtc - zoneOffsetMinutes(zone, new Date(instant)) * 60_000;
  return new Date(instant).toISOString();
}

export function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/**
 * A relative range as a filter of the filter language, for the days it covers at `now` in `zone`: whole
 * days there on a timestamp attribute, the dates themselves on a date attribute.
 */
export function presetFilter(
  object: ObjectSlug,
  attribute: string,
  preset: DatePreset,
  zone: string,
  now: Date,
): Record<string, unknown> {
  const { from, to } = resolveDatePreset(preset, zone, now);
  if (findAttribute(object, attribute)?.type === 'date') return { [attribute]: { $gte: from, $lte: to } };
  return { [attribute]: { $gte: startOfDayIn(from, zone), $lt: startOfDayIn(nextDay(to), zone) } };
}
