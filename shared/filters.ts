/**
 * The filter language: Attio's shape, checked against the attribute catalog. Pure TypeScript with no
 * I/O, so the browser's filter bar validates and describes filters exactly as the server does.
 *
 *   { "status": "active", "tags": "vip" }                                    shorthand equality, AND
 *   { "created_at": { "$gte": "2026-01-01T00:00:00Z", "$lt": "2026-02-01" } } operators on one attribute, AND
 *   { "$or": [ { "tags": { "$all": ["vip", "beta"] } }, { "$not": { "company.industry": "Retail" } } ] }
 *
 * Semantics the SQL compiler and the reference evaluator of the tests share:
 * - a missing value (NULL) satisfies no operator except `$not_empty: false`; `$not` is the complement
 *   of the set its filter selects (so `$not: {platform: "email"}` includes people with no platform);
 * - a path (`company.industry`) holds when the record links to a record of this workspace that
 *   satisfies the condition; a record that links nothing satisfies no path condition;
 * - `$contains`, `$starts_with`, `$ends_with` ignore case; `$eq` and `$in` on text are exact;
 * - on a multiselect, `$eq` means "has", `$in` "has any of", `$all` "has all of".
 */
import {
  type AttributeSpec,
  type AttributeType,
  type ObjectSlug,
  objectSpec,
  type ReferenceTarget,
  referenceAttributes,
} from './catalog';
import { prototypeKeys, unsafeTextReason } from './text';

export const filterOperators = [
  '$eq',
  '$in',
  '$all',
  '$not_empty',
  '$contains',
  '$starts_with',
  '$ends_with',
  '$lt',
  '$lte',
  '$gt',
  '$gte',
] as const;
export type FilterOperator = (typeof filterOperators)[number];

const textOperators = ['$eq', '$in', '$not_empty', '$contains', '$starts_with', '$ends_with'] as const;
const rangeOperators = ['$eq', '$in', '$not_empty', '$lt', '$lte', '$gt', '$gte'] as const;

/** Which operators each attribute type accepts: the filter bar offers exactly these. */
export const operatorsByType: Record<AttributeType, readonly FilterOperator[]> = {
  text: textOperators,
  email: textOperators,
  phone: textOperators,
  number: rangeOperators,
  date: rangeOperators,
  timestamp: rangeOperators,
  select: ['$eq', '$in', '$not_empty'],
  multiselect: ['$eq', '$in', '$all', '$not_empty'],
  reference: ['$eq', '$in', '$not_empty'],
};

/** Limits that keep a filter cheap to validate and to plan. */
export const filterLimits = {
  maxDepth: 8,
  maxConditions: 100,
  maxListValues: 250,
  maxTotalValues: 2000,
  maxStringLength: 1000,
} as const;

export type ScalarFilterValue = string | number;

interface ConditionBase {
  kind: 'condition';
  /** The attribute of the filtered object: `status`, or `company` for `company.industry`. */
  attribute: string;
  /** When filtering through a reference: what it points at and the attribute compared there. */
  through?: { target: ReferenceTarget; attribute: string };
  /** The key as written: `status` or `company.industry`. */
  path: string;
  /** For people: `Status`, `Company › Industry`. */
  label: string;
  /** The type of the attribute compared (the target's attribute for a path). */
  type: AttributeType;
}

export type FilterCondition = ConditionBase &
  (
    | {
        operator: '$eq' | '$contains' | '$starts_with' | '$ends_with' | '$lt' | '$lte' | '$gt' | '$gte';
        value: ScalarFilterValue;
      }
    | { operator: '$in' | '$all'; value: ScalarFilterValue[] }
    | { operator: '$not_empty'; value: boolean }
  );

/**
 * A validated filter. Values are normalized: timestamps to UTC ISO strings (`…Z`), dates to
 * `YYYY-MM-DD`, numbers to numbers. `and` with no children selects everything.
 */
export type FilterNode =
  | { kind: 'and'; children: FilterNode[] }
  | { kind: 'or'; children: FilterNode[] }
  | { kind: 'not'; child: FilterNode }
  | FilterCondition;

/** What is wrong with a filter: the `details` of an INVALID_FILTER error. */
export interface FilterProblem {
  field: string;
  path: string;
  reason: string;
}

export type FilterValidation = { ok: true; filter: FilterNode } | { ok: false; problem: FilterProblem };

/** A filter that selects every record. */
export const matchAll: FilterNode = { kind: 'and', children: [] };

class FilterInvalid extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const timestampPattern =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function joinPath(base: string, segment: string): string {
  return base ? `${base}.${segment}` : segment;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** `YYYY-MM-DD` of a real calendar day (year 0001–9999), or undefined. */
export function parseIsoDate(value: string): string | undefined {
  const match = datePattern.exec(value);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return value;
}

/**
 * An ISO-8601 timestamp as a UTC string with up to microseconds (`2026-01-01T08:00:00.123456Z`), or
 * undefined. A time needs a zone (`Z` or `±hh:mm`); a date alone means midnight UTC.
 */
export function parseIsoTimestamp(value: string): string | undefined {
  const match = timestampPattern.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zone] = match;
  if (!parseIsoDate(`${y}-${mo}-${d}`)) return undefined;
  if (h === undefined) return `${y}-${mo}-${d}T00:00:00.000Z`;
  if (zone === undefined) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 59) return undefined;
  let offset = 'Z';
  if (zone !== 'Z') {
    const digits = zone.replace(':', '');
    const [offsetHours, offsetMinutes] = [Number(digits.slice(1, 3)), Number(digits.slice(3, 5))];
    if (offsetHours > 14 || offsetMinutes > 59) return undefined;
    offset = `${digits.slice(0, 3)}:${digits.slice(3, 5)}`;
  }
  const digits = (fraction ?? '').padEnd(6, '0');
  const millis = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s ?? '00'}.${digits.slice(0, 3)}${offset}`);
  if (Number.isNaN(millis)) return undefined;
  const iso = new Date(millis).toISOString();
  if (!/^\d{4}-/.test(iso)) return undefined; // shifted out of years 0001–9999 by the offset
  const micros = digits.slice(3);
  return micros === '000' ? iso : `${iso.slice(0, -1)}${micros}Z`;
}

export function isUuid(value: string): boolean {
  return uuidPattern.test(value);
}

interface Budget {
  conditions: number;
  values: number;
}

interface ResolvedAttribute {
  attribute: string;
  through?: { target: ReferenceTarget; attribute: string };
  spec: AttributeSpec;
  label: string;
}

function resolveAttribute(object: ObjectSlug, key: string, path: string): ResolvedAttribute {
  const spec = objectSpec(object);
  const [head, leaf, ...rest] = key.split('.');
  const attribute = spec.attributes.find((candidate) => candidate.slug === head);
  if (!attribute) {
    throw new FilterInvalid(path, `Unknown attribute '${head}' for ${object}`);
  }
  if (!attribute.filterable) throw new FilterInvalid(path, `Attribute '${head}' cannot be filtered`);
  if (leaf === undefined) return { attribute: attribute.slug, spec: attribute, label: attribute.label };
  if (attribute.type !== 'reference' || !attribute.reference) {
    throw new FilterInvalid(
      path,
      `'${head}' is a ${attribute.type} attribute, not a reference: no path through it`,
    );
  }
  if (rest.length > 0) throw new FilterInvalid(path, `A path goes through one reference only: '${key}'`);
  const target = attribute.reference;
  const targetAttribute = referenceAttributes(target).find((candidate) => candidate.slug === leaf);
  if (!targetAttribute) {
    throw new FilterInvalid(path, `Unknown attribute '${leaf}' on ${target} (through '${head}')`);
  }
  if (!targetAttribute.filterable) throw new FilterInvalid(path, `Attribute '${key}' cannot be filtered`);
  return {
    attribute: attribute.slug,
    through: { target, attribute: targetAttribute.slug },
    spec: targetAttribute,
    label: `${attribute.label} › ${targetAttribute.label}`,
  };
}

function checkString(value: unknown, path: string, what: string): string {
  if (typeof value !== 'string')
    throw new FilterInvalid(path, `Expected ${what}, got ${describeJsonType(value)}`);
  if (value.length > filterLimits.maxStringLength) {
    throw new FilterInvalid(path, `Value is longer than ${filterLimits.maxStringLength} characters`);
  }
  // Postgres text cannot hold NUL nor an unpaired surrogate; refusing them here keeps it a 400.
  const unsafe = unsafeTextReason(value);
  if (unsafe) throw new FilterInvalid(path, `Value ${unsafe}`);
  return value;
}

/** One value for an attribute of `spec`'s type, normalized; `operator` decides what "valid" means. */
function checkValue(
  resolved: ResolvedAttribute,
  operator: FilterOperator,
  value: unknown,
  path: string,
): ScalarFilterValue {
  const { spec } = resolved;
  const name = resolved.through ? `${resolved.attribute}.${spec.slug}` : spec.slug;
  switch (spec.type) {
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new FilterInvalid(
          path,
          `Expected a number for number attribute '${name}', got ${describeJsonType(value)}`,
        );
      }
      return value;
    case 'date': {
      const text = checkString(value, path, `an ISO date (YYYY-MM-DD) for date attribute '${name}'`);
      const date = parseIsoDate(text);
      if (!date)
        throw new FilterInvalid(
          path,
          `'${text}' is not an ISO date (YYYY-MM-DD) for date attribute '${name}'`,
        );
      return date;
    }
    case 'timestamp': {
      const text = checkString(value, path, `an ISO timestamp for timestamp attribute '${name}'`);
      const timestamp = parseIsoTimestamp(text);
      if (!timestamp) {
        throw new FilterInvalid(
          path,
          `'${text}' is not an ISO timestamp with a zone (2026-01-01T00:00:00Z) or an ISO date for timestamp attribute '${name}'`,
        );
      }
      return timestamp;
    }
    case 'select': {
      const text = checkString(value, path, `an option of select attribute '${name}'`);
      if (!spec.options?.includes(text)) {
        throw new FilterInvalid(
          path,
          `Unknown option '${text}' for select attribute '${name}' (options: ${(spec.options ?? []).join(', ')})`,
        );
      }
      return text;
    }
    case 'reference': {
      const text = checkString(value, path, `a record id for reference attribute '${name}'`);
      if (!isUuid(text))
        throw new FilterInvalid(
          path,
          `'${text}' is not a record id (UUID) for reference attribute '${name}'`,
        );
      return text.toLowerCase();
    }
    case 'multiselect': {
      const text = checkString(value, path, `a tag (string) for multiselect attribute '${name}'`);
      if (text === '') throw new FilterInvalid(path, `A tag of '${name}' cannot be empty`);
      return text;
    }
    case 'text':
    case 'email':
    case 'phone':
      if (operator === '$eq' || operator === '$in' || typeof value === 'string') {
        return checkString(value, path, `a string for ${spec.type} attribute '${name}'`);
      }
      throw new FilterInvalid(
        path,
        `Expected a string for ${spec.type} attribute '${name}', got ${describeJsonType(value)}`,
      );
  }
}

function countCondition(budget: Budget, path: string): void {
  budget.conditions += 1;
  if (budget.conditions > filterLimits.maxConditions) {
    throw new FilterInvalid(path, `A filter holds at most ${filterLimits.maxConditions} conditions`);
  }
}

function parseCondition(
  resolved: ResolvedAttribute,
  operator: string,
  value: unknown,
  path: string,
  budget: Budget,
): FilterCondition {
  const { spec } = resolved;
  const name = resolved.through ? `${resolved.attribute}.${spec.slug}` : spec.slug;
  if (!(filterOperators as readonly string[]).includes(operator)) {
    throw new FilterInvalid(path, `Unknown operator ${operator}`);
  }
  const op = operator as FilterOperator;
  if (!operatorsByType[spec.type].includes(op)) {
    throw new FilterInvalid(path, `Operator ${op} is not supported for ${spec.type} attribute '${name}'`);
  }
  countCondition(budget, path);
  const base: ConditionBase = {
    kind: 'condition',
    attribute: resolved.attribute,
    ...(resolved.through ? { through: resolved.through } : {}),
    path: resolved.through ? `${resolved.attribute}.${resolved.through.attribute}` : resolved.attribute,
    label: resolved.label,
    type: spec.type,
  };
  switch (op) {
    case '$not_empty':
      if (typeof value !== 'boolean') {
        throw new FilterInvalid(path, `$not_empty takes true or false, got ${describeJsonType(value)}`);
      }
      return { ...base, operator: op, value };
    case '$in':
    case '$all': {
      if (!Array.isArray(value))
        throw new FilterInvalid(path, `${op} takes an array, got ${describeJsonType(value)}`);
      if (value.length === 0) throw new FilterInvalid(path, `${op} needs at least one value`);
      if (value.length > filterLimits.maxListValues) {
        throw new FilterInvalid(path, `${op} takes at most ${filterLimits.maxListValues} values`);
      }
      budget.values += value.length;
      if (budget.values > filterLimits.maxTotalValues) {
        throw new FilterInvalid(path, `A filter holds at most ${filterLimits.maxTotalValues} values`);
      }
      const values = value.map((item, index) => checkValue(resolved, op, item, `${path}[${index}]`));
      return { ...base, operator: op, value: [...new Set(values)] };
    }
    default: {
      if (value === null) {
        throw new FilterInvalid(
          path,
          `${op} does not take null; use {"$not_empty": false} for a missing value`,
        );
      }
      budget.values += 1;
      if (budget.values > filterLimits.maxTotalValues) {
        throw new FilterInvalid(path, `A filter holds at most ${filterLimits.maxTotalValues} values`);
      }
      return { ...base, operator: op, value: checkValue(resolved, op, value, path) };
    }
  }
}

function parseAttributeFilter(
  object: ObjectSlug,
  key: string,
  value: unknown,
  path: string,
  budget: Budget,
): FilterNode[] {
  const resolved = resolveAttribute(object, key, path);
  if (isPlainObject(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) throw new FilterInvalid(path, `No operator given for '${key}'`);
    return entries.map(([operator, operand]) => {
      const operatorPath = joinPath(path, operator);
      if (!operator.startsWith('$')) {
        throw new FilterInvalid(
          operatorPath,
          `Expected an operator such as $eq, got '${operator}'${resolved.spec.type === 'reference' && !resolved.through ? ` (to filter through a reference, write '${key}.${operator}')` : ''}`,
        );
      }
      return parseCondition(resolved, operator, operand, operatorPath, budget);
    });
  }
  if (Array.isArray(value)) {
    throw new FilterInvalid(
      path,
      `A list of values needs an operator: {"$in": [...]}${resolved.spec.type === 'multiselect' ? ' or {"$all": [...]}' : ''}`,
    );
  }
  if (value === null)
    throw new FilterInvalid(path, `Use {"$not_empty": false} to find records without '${key}'`);
  return [parseCondition(resolved, '$eq', value, path, budget)];
}

function parseNode(
  object: ObjectSlug,
  input: unknown,
  path: string,
  depth: number,
  budget: Budget,
): FilterNode {
  if (!isPlainObject(input)) {
    throw new FilterInvalid(path, `A filter is a JSON object, got ${describeJsonType(input)}`);
  }
  if (depth > filterLimits.maxDepth) {
    throw new FilterInvalid(path, `Filter is nested deeper than ${filterLimits.maxDepth} levels`);
  }
  const entries = Object.entries(input);
  // An empty sub-filter matches everything, but it still costs work: it counts as a condition, so
  // `{"$or":[{},{},…]}` cannot grow without bound.
  if (entries.length === 0) countCondition(budget, path);
  const children: FilterNode[] = [];
  for (const [key, value] of entries) {
    const keyPath = joinPath(path, key);
    // A JSON object used as a map must never reach (or shadow) Object.prototype through these keys.
    if (prototypeKeys.has(key)) throw new FilterInvalid(keyPath, `'${key}' is not an attribute`);
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(value))
        throw new FilterInvalid(keyPath, `${key} takes an array of filters, got ${describeJsonType(value)}`);
      if (value.length === 0) throw new FilterInvalid(keyPath, `${key} needs at least one filter`);
      if (value.length > filterLimits.maxConditions) {
        throw new FilterInvalid(keyPath, `${key} takes at most ${filterLimits.maxConditions} filters`);
      }
      const parts = value.map((item, index) =>
        parseNode(object, item, `${keyPath}[${index}]`, depth + 1, budget),
      );
      children.push(key === '$and' ? { kind: 'and', children: parts } : { kind: 'or', children: parts });
    } else if (key === '$not') {
      children.push({ kind: 'not', child: parseNode(object, value, keyPath, depth + 1, budget) });
    } else if (key.startsWith('$')) {
      throw new FilterInvalid(keyPath, `Unknown logical operator ${key} (use $and, $or or $not)`);
    } else {
      children.push(...parseAttributeFilter(object, key, value, keyPath, budget));
    }
  }
  return children.length === 1 && children[0] ? children[0] : { kind: 'and', children };
}

/** Checks a filter against the catalog of `object`; never throws. */
export function validateFilter(object: ObjectSlug, input: unknown, field = 'filter'): FilterValidation {
  try {
    return { ok: true, filter: parseNode(object, input, '', 0, { conditions: 0, values: 0 }) };
  } catch (error) {
    if (error instanceof FilterInvalid)
      return { ok: false, problem: { field, path: error.path, reason: error.reason } };
    // A RangeError from a pathological input (a cyclic object built in JS, say) is still the caller's.
    return { ok: false, problem: { field, path: '', reason: 'Filter could not be read' } };
  }
}

/** AND of validated filters, flattening nested ANDs; no filters (or only empty ones) select everything. */
export function andFilterNodes(...nodes: readonly FilterNode[]): FilterNode {
  const children = nodes.flatMap((node) => (node.kind === 'and' ? node.children : [node]));
  return children.length === 1 && children[0] ? children[0] : { kind: 'and', children };
}

/**
 * AND of filters as they travel (JSON), for storing the effective filter of an export or a list:
 * empty filters drop out and a filter that is only an `$and` is spliced, so nesting grows by one at most.
 */
export function andFilters(
  ...filters: readonly (Record<string, unknown> | undefined | null)[]
): Record<string, unknown> {
  const parts = filters.flatMap((filter) => {
    if (!filter || Object.keys(filter).length === 0) return [];
    const keys = Object.keys(filter);
    if (keys.length === 1 && keys[0] === '$and' && Array.isArray(filter.$and)) {
      return filter.$and as Record<string, unknown>[];
    }
    return [filter];
  });
  if (parts.length === 0) return {};
  if (parts.length === 1 && parts[0]) return parts[0];
  return { $and: parts };
}

/** The filter as JSON in its verbose form (every condition `{ path: { $op: value } }`). */
export function filterToJson(node: FilterNode): Record<string, unknown> {
  switch (node.kind) {
    case 'and':
      return node.children.length === 0 ? {} : { $and: node.children.map(filterToJson) };
    case 'or':
      return { $or: node.children.map(filterToJson) };
    case 'not':
      return { $not: filterToJson(node.child) };
    case 'condition':
      return { [node.path]: { [node.operator]: node.value } };
  }
}

function formatValue(type: AttributeType, value: ScalarFilterValue): string {
  if (typeof value === 'number') return String(value);
  if (type === 'timestamp') {
    if (value.endsWith('T00:00:00.000Z')) return value.slice(0, 10);
    const [date, time = ''] = value.split('T');
    const clock = time.replace(/(\.0+)?Z$/, '').replace(/:00$/, '');
    return `${date} ${clock} UTC`;
  }
  if (type === 'date' || type === 'reference') return value;
  return `"${value}"`;
}

function formatList(type: AttributeType, values: readonly ScalarFilterValue[]): string {
  return values.map((value) => formatValue(type, value)).join(', ');
}

function describeCondition(condition: FilterCondition): string {
  const { label, type } = condition;
  const isTime = type === 'date' || type === 'timestamp';
  switch (condition.operator) {
    case '$eq':
      return type === 'multiselect'
        ? `${label} has ${formatValue(type, condition.value)}`
        : `${label} is ${formatValue(type, condition.value)}`;
    case '$in':
      return type === 'multiselect'
        ? `${label} has any of ${formatList(type, condition.value)}`
        : `${label} is one of ${formatList(type, condition.value)}`;
    case '$all':
      return `${label} has all of ${formatList(type, condition.value)}`;
    case '$not_empty':
      return condition.value ? `${label} is not empty` : `${label} is empty`;
    case '$contains':
      return `${label} contains ${formatValue(type, condition.value)}`;
    case '$starts_with':
      return `${label} starts with ${formatValue(type, condition.value)}`;
    case '$ends_with':
      return `${label} ends with ${formatValue(type, condition.value)}`;
    case '$lt':
      return `${label} ${isTime ? 'is before' : 'is less than'} ${formatValue(type, condition.value)}`;
    case '$lte':
      return `${label} ${isTime ? 'is on or before' : 'is at most'} ${formatValue(type, condition.value)}`;
    case '$gt':
      return `${label} ${isTime ? 'is after' : 'is more than'} ${formatValue(type, condition.value)}`;
    case '$gte':
      return `${label} ${isTime ? 'is on or after' : 'is at least'} ${formatValue(type, condition.value)}`;
  }
}

function describeNode(node: FilterNode, nested: boolean): string {
  switch (node.kind) {
    case 'condition':
      return describeCondition(node);
    case 'not':
      return `not (${describeNode(node.child, false)})`;
    case 'and':
    case 'or': {
      if (node.children.length === 0) return 'all records';
      const text = node.children
        .map((child) => describeNode(child, true))
        .join(node.kind === 'and' ? ' and ' : ' or ');
      return nested && node.children.length > 1 ? `(${text})` : text;
    }
  }
}

/**
 * A filter in words, for the export's PDF header, the export history and the filter bar:
 * `Status is "customer" and Tags has "vip" and Created at is on or after 2026-01-01`.
 */
export function describeFilter(node: FilterNode): string {
  const text = describeNode(node, false);
  return text.charAt(0).toUpperCase() + text.slice(1);
}
