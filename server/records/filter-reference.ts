import {
  type AttributeSpec,
  catalog,
  exportColumnGroups,
  objectSlugs,
  objectSpec,
  referenceAttributes,
} from '../../shared/catalog';
import { filterLimits, operatorsByType } from '../../shared/filters';

/** docs/filters.md, generated from the attribute catalog and the filter language (`npm run docs:filters`). */
export function renderFilterReference(): string {
  const lines = [
    '# Objects, attributes and the filter language',
    '',
    '<!-- Generated from shared/catalog.ts and shared/filters.ts by `npm run docs:filters`. Do not edit by hand. -->',
    '',
    'Lists (`people.list`, …), counts, saved views and exports all take the same `filter`, in the shape of',
    "Attio's API. A filter that is not valid for the object is refused with `INVALID_FILTER`, and",
    '`details.path` points at the offending part (see the [error reference](errors.md)).',
    '',
    '```jsonc',
    '{ "status": "customer" }                                     // shorthand equality; several keys mean AND',
    '{ "status": { "$in": ["active", "customer"] } }',
    '{ "created_at": { "$gte": "2026-01-01T00:00:00Z", "$lt": "2026-02-01T00:00:00Z" } }  // a date range',
    '{ "tags": "vip" }                                            // has the tag',
    '{ "tags": { "$all": ["vip", "beta"] } }                       // has all of them ($in: any of them)',
    '{ "company.industry": "Software" }                           // through a reference',
    '{ "$or": [{ "email": { "$ends_with": "@acme.test" } }, { "$not": { "phone": { "$not_empty": true } } }] }',
    '```',
    '',
    `- Logic: \`$and\` and \`$or\` take arrays, \`$not\` an object; nested at most ${filterLimits.maxDepth} deep, with at most ${filterLimits.maxConditions} conditions.`,
    '- `$contains`, `$starts_with` and `$ends_with` ignore case; `$eq` and `$in` are exact.',
    '- `date` values are ISO dates (`2026-11-24`), `timestamp` values ISO timestamps with a zone (`2026-11-24T09:30:00Z`).',
    '- A reference is matched by record id, or through a path to an attribute of the linked record.',
    '- An empty value matches nothing but `{ "$not_empty": false }`.',
    '',
    '## Operators by type',
    '',
    '| type | operators |',
    '|---|---|',
    ...Object.entries(operatorsByType).map(
      ([type, operators]) => `| \`${type}\` | ${operators.map((op) => `\`${op}\``).join(' ')} |`,
    ),
    '',
    ...objectSlugs.flatMap((object) => objectSection(object)),
  ];
  return `${lines.join('\n')}\n`;
}

function objectSection(object: (typeof objectSlugs)[number]): string[] {
  const spec = objectSpec(object);
  return [
    `## ${spec.plural} (\`${object}\`)`,
    '',
    `Default columns: ${spec.defaultColumns.map((slug) => `\`${slug}\``).join(', ')}. Default sort: \`${spec.defaultSort.attribute}\` ${spec.defaultSort.direction}. Date range on \`${spec.dateAttribute}\` by default.`,
    '',
    '| slug | label | type | options / links to | filter | sort | export |',
    '|---|---|---|---|---|---|---|',
    ...catalog[object].attributes.map((attribute: AttributeSpec) => {
      const extra =
        attribute.type === 'reference' && attribute.reference
          ? `→ ${attribute.reference} (${referenceAttributes(attribute.reference)
              .filter((target) => target.filterable)
              .map((target) => `\`${attribute.slug}.${target.slug}\``)
              .join(', ')})`
          : (attribute.options ?? []).map((option) => `\`${option}\``).join(' ');
      const mark = (flag: boolean) => (flag ? '✓' : '');
      return `| \`${attribute.slug}\` | ${attribute.label} | ${attribute.type} | ${extra} | ${mark(attribute.filterable)} | ${mark(attribute.sortable)} | ${mark(attribute.exportable)} |`;
    }),
    '',
    ...linkedColumnLines(object),
  ];
}

/** The export columns an object's links offer (`company.domain`, …), as catalog-derived bullets. */
function linkedColumnLines(object: (typeof objectSlugs)[number]): string[] {
  const groups = exportColumnGroups(object).filter((group) => group.via);
  if (!groups.length) return [];
  return [
    'Export columns from linked records:',
    '',
    ...groups.map(
      (group) =>
        `- ${group.via?.label}: ${group.attributes.map((attribute) => `\`${attribute.slug}\``).join(', ')}`,
    ),
    '',
  ];
}
