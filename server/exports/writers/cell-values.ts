import type { AttributeType } from '../../../shared/catalog';
import type { RecordValue } from '../../../shared/records';

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

/** Minutes east of UTC of `zone` at `instant` (DST-aware). */
export function zoneOffsetMinutes(zone: string, instant: Date): number {
  if (zone === 'UTC') return 0;
  let format = offsetFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    offsetFormats.set(zone, format);
  }
  const name = format.formatToParts(instant).find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name);
  if (!match) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3] ?? 0);
  return match[1] === '-' ? -minutes : minutes;
}

/** ISO-8601 with the zone's offset: `2026-11-20T11:00:00.000+01:00`; UTC keeps the `Z`. */
export function isoInZone(iso: string, zone: string): string {
  const instant = new Date(iso);
  if (Number.isNaN(instant.getTime())) return iso;
  const offset = zoneOffsetMinutes(zone, instant);
  if (offset === 0) return instant.toISOString();
  const wall = new Date(instant.getTime() + offset * 60_000).toISOString().slice(0, -1);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${wall}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** The wall-clock time in `zone` as a Date whose UTC fields hold it: what a spreadsheet date cell stores. */
export function wallClockDate(iso: string, zone: string): Date {
  const instant = new Date(iso);
  return new Date(instant.getTime() + zoneOffsetMinutes(zone, instant) * 60_000);
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
