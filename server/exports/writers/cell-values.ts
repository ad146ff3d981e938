import { type AttributeSpec, type AttributeType, optionLabel } from '../../../shared/catalog';
import type { RecordValue } from '../../../shared/records';
import { isCanonicalIsoInstant } from '../../records/iso-instant';

/** One column of an export file: a catalog attribute or a path (`company.domain`), in the order chosen. */
export interface ExportColumn {
  slug: string;
  label: string;
  type: AttributeType;
}

export function exportColumnOf(attribute: AttributeSpec): ExportColumn {
  return { slug: attribute.slug, label: attribute.label, type: attribute.type };
}

/**
 * Formula safety, one rule per format (OWASP "CSV injection": a spreadsheet runs a cell that starts with
 * `=`, `+`, `-`, `@`, a tab or a line break as a formula).
 *
 * XLSX: a cell written as a string is never run, whatever it starts with; such cells are only marked as
 * text (`quotePrefix`, what Excel does for a value typed after an apostrophe), so editing one keeps it text.
 */
export const readsAsFormula = (text: string): boolean => /^[=+\-@\t\r\n]/.test(text);

/**
 * CSV: a spreadsheet opening the file reads each field as if typed. A field is harmful when it starts
 * with `=` or `@`, a tab or a line break, or with `+` or `-` followed by anything but digits, spaces and
 * `( ) . , / + -`: nothing else can name a function, a cell, another file or a DDE command (`cmd|…`), so
 * phone numbers (`+33 1 23 45 67 89`, `+1 (482) 717-4594`) and negative numbers (`-12.5`) stay as they
 * are, and ISO dates never start with a trigger. A harmful field gets a leading `'`: LibreOffice and
 * Excel show it as text instead of running it.
 */
export function isHarmfulInCsv(text: string): boolean {
  if (!readsAsFormula(text)) return false;
  return !/^[+-][0-9 ().,/+-]*$/.test(text);
}

export function neutraliseForCsv(text: string): string {
  return isHarmfulInCsv(text) ? `'${text}` : text;
}

/** How the requester asked values to be written (`options.values`, `options.dateFormat`). */
export interface ValueStyle {
  timezone: string;
  values: 'labels' | 'raw';
  /** `short`: `2026-11-19 23:19`, local, for reading on paper (PDF). */
  timestamps: 'iso' | 'spreadsheet' | 'short';
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

/** `2026-11-19 23:19:07` (or `2026-11-19 23:19` when `seconds` is false): the wall clock in `zone`. */
export function wallClockText(iso: string, zone: string, seconds = true): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const text = new Date(ms + offsetMinutesAt(zone, ms) * 60_000).toISOString();
  return `${text.slice(0, 10)} ${text.slice(11, seconds ? 19 : 16)}`;
}

function timestampText(iso: string, style: ValueStyle): string {
  switch (style.timestamps) {
    case 'iso':
      return isoInZone(iso, style.timezone);
    case 'spreadsheet':
      return wallClockText(iso, style.timezone);
    case 'short':
      return wallClockText(iso, style.timezone, false);
  }
}

/** A select option as the file shows it: the app's label, or the stored value with `values: 'raw'`. */
function optionText(value: string, style: ValueStyle): string {
  return style.values === 'raw' ? value : optionLabel(value);
}

/**
 * A value as text (CSV, PDF, and XLSX's string cells): references by name, multiselects joined with
 * ", ", select options as labels unless raw, timestamps in the export's zone and date format.
 */
export function displayText(column: ExportColumn, value: RecordValue | undefined, style: ValueStyle): string {
  if (value == null) return '';
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'object') return value.name ?? '';
  if (column.type === 'timestamp' && typeof value === 'string') return timestampText(value, style);
  if (column.type === 'select' && typeof value === 'string') return optionText(value, style);
  return String(value);
}

/** A value as JSON: references stay `{ id, name }`, multiselects arrays, selects and timestamps as asked. */
export function jsonValue(
  column: ExportColumn,
  value: RecordValue | undefined,
  style: ValueStyle,
): RecordValue {
  if (value === undefined) return null;
  if (column.type === 'timestamp' && typeof value === 'string') return timestampText(value, style);
  if (column.type === 'select' && typeof value === 'string') return optionText(value, style);
  return value;
}

export function isNumericColumn(column: ExportColumn): boolean {
  return column.type === 'number';
}
