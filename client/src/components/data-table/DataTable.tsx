import { type ObjectSlug, objectSpec } from '../../../../shared/catalog';
import type { CrmRecord, SortInput } from '../../../../shared/records';
import { Link } from '../../navigation';
import { CellValue } from './CellValue';

type Sort = SortInput[number];

export function DataTable({
  object,
  columns,
  records,
  sort,
  onSort,
  busy,
  caption,
}: {
  object: ObjectSlug;
  columns: readonly string[];
  records: readonly CrmRecord[];
  sort: Sort;
  onSort(sort: Sort): void;
  busy: boolean;
  caption: string;
}) {
  const spec = objectSpec(object);
  const attributes = columns.flatMap((slug) =>
    spec.attributes.filter((attribute) => attribute.slug === slug),
  );
  return (
    <div className="table-scroll">
      <table className="data-table" aria-busy={busy || undefined}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {attributes.map((attribute) => {
              const sorted = sort.attribute === attribute.slug ? sort.direction : undefined;
              return (
                <th
                  key={attribute.slug}
                  scope="col"
                  aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : undefined}
                  className={`col-${attribute.type}`}
                >
                  {attribute.sortable ? (
                    <button
                      type="button"
                      className="th-button"
                      onClick={() =>
                        onSort({
                          attribute: attribute.slug,
                          direction: sorted === 'asc' ? 'desc' : sorted === 'desc' ? 'asc' : 'asc',
                        })
                      }
                    >
                      {attribute.label}
                      <span className={`sort-indicator${sorted ? ' is-sorted' : ''}`} aria-hidden="true">
                        {sorted === 'desc' ? '↓' : sorted === 'asc' ? '↑' : '↕'}
                      </span>
                    </button>
                  ) : (
                    <span className="th-label">{attribute.label}</span>
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {records.map((record) => (
            <tr key={record.id}>
              {attributes.map((attribute, index) => (
                <td key={attribute.slug} className={`col-${attribute.type}`}>
                  {index === 0 && attribute.type !== 'reference' ? (
                    <Link className="row-primary" href={`/${object}/${record.id}`}>
                      <CellValue attribute={attribute} value={record[attribute.slug]} />
                    </Link>
                  ) : (
                    <CellValue attribute={attribute} value={record[attribute.slug]} />
                  )}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
