import type { AttributeType } from '../../../shared/catalog';
import type { RecordValue } from '../../../shared/records';
import { isCanonicalIsoInstant } from '../../records/iso-instant';

/** One column of an export file: a catalog attribute, in the order the user chose. */
export interface ExportColumn {
  slug: string;
  label: string;
  type: AttributeType;
}

/**
 * OWASP "CSV injection": a spreadsheet runs a cell that starts with one of these as a formula.
 * A leading apostrophe makes it text again, and Excel and LibreOffice hide the apostrophe.
 */
const formulaTriggers = /^[=+\-@\t\r\n]/;

export function neutraliseFormula(text: string): string {
  return formulaTriggers.test(text) ? `'${text}` : text;
}

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** Minutes east of UTC of `zone` at the instant `ms`, asked of Intl (slow: microseconds per call). */
function intlOffsetMinutes(zone: string, ms: number): number {
  let format = offsetFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    offsetFormats.set(zone, format);
  }
  const name = format.formatToParts(ms).find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name);
  if (!match) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3] ?? 0);
  return match[1] === '-' ? -minutes : minutes;
}

const hourMs = 3_600_000;
/** zone → UTC hour → the zone's offset through that whole hour, or null when it changes within it. */
const hourlyOffsets = new Map<string, Map<number, number | null>>();
const maxCachedHours = 200_000;

/**
 * The offset a zone has through one UTC hour. A zone changes its offset at most once in an hour (tz
 * transitions are months apart), so the same offset at the hour's first and last millisecond means the
 * same offset throughout; an hour with a transition in it is asked about per instant.
 */
function hourOffsetMinutes(zone: string, hour: number): number | null {
  let hours = hourlyOffsets.get(zone);
  if (!hours) {
    hours = new Map();
    hourlyOffsets.set(zone, hours);
  }
  let offset = hours.get(hour);
  if (offset === undefined) {
    const first = intlOffsetMinutes(zone, hour * hourMs);
    offset = first === intlOffsetMinutes(zone, hour * hourMs + hourMs - 1) ? first : null;
    if (hours.size >= maxCachedHours) hours.clear();
    hours.set(hour, offset);
  }
  return offset;
}

/** Minutes east of UTC of `zone` at the instant `ms` (DST-aware); an export asks once per cell. */
function offsetMinutesAt(zone: string, ms: number): number {
  if (zone === 'UTC') return 0;
  return hourOffsetMinutes(zone, Math.floor(ms / hourMs)) ?? intlOffsetMinutes(zone, ms);
}

/** Minutes east of UTC of `zone` at `instant` (DST-aware). */
export function zoneOffsetMinutes(zone: string, instant: Date): number {
  return offsetMinutesAt(zone, instant.getTime());
}

/** `+01:00`, `-05:00`, `+05:30`: the ISO suffix of an offset in minutes. */
function offsetSuffix(offset: number): string {
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** ISO-8601 with the zone's offset: `2026-11-20T11:00:00.000+01:00`; UTC keeps the `Z`. */
export function isoInZone(iso: string, zone: string): string {
  // Already `toISOString()`'s form (as records carry timestamps): in UTC the answer is the text itself.
  if (zone === 'UTC' && isCanonicalIsoInstant(iso)) return iso;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const offset = offsetMinutesAt(zone, ms);
  if (offset === 0) return new Date(ms).toISOString();
  return `${new Date(ms + offset * 60_000).toISOString().slice(0, -1)}${offsetSuffix(offset)}`;
}

/** The wall-clock time in `zone` as a Date whose UTC fields hold it: what a spreadsheet date cell stores. */
export function wallClockDate(iso: string, zone: string): Date {
  const ms = Date.parse(iso);
  return new Date(ms + offsetMinutesAt(zone, ms) * 60_000);
}

/** A value as display text (CSV, PDF): references by name, multiselect joined with ", ", zoned timestamps. */
export function displayText(column: ExportColumn, value: RecordValue | undefined, zone: string): string {
  if (value == null) return '';
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'object') return value.name ?? '';
  if (column.type === 'timestamp' && typeof value === 'string') return isoInZone(value, zone);
  return String(value);
}

/** A value as JSON: references stay `{ id, name }`, multiselect stays an array, timestamps are zoned. */
export function jsonValue(column: ExportColumn, value: RecordValue | undefined, zone: string): RecordValue {
  if (value === undefined) return null;
  if (column.type === 'timestamp' && typeof value === 'string') return isoInZone(value, zone);
  return value;
}

export function isNumericColumn(column: ExportColumn): boolean {
  return column.type === 'number';
}
