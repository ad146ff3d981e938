import { type AttributeSpec, optionLabel } from '../../../../shared/catalog';
import type { RecordValue } from '../../../../shared/records';
import { Link } from '../../navigation';
import { formatDate, formatDateTime, formatNumber } from '../ui/format';

/** One attribute's value, shown the way its type reads best; references by name, linked. */
export function CellValue({
  attribute,
  value,
}: {
  attribute: AttributeSpec;
  value: RecordValue | undefined;
}) {
  if (value === null || value === undefined || (Array.isArray(value) && value.length === 0))
    return <span className="empty-cell">—</span>;
  switch (attribute.type) {
    case 'reference': {
      if (typeof value !== 'object' || Array.isArray(value)) return <>{String(value)}</>;
      const name = value.name ?? 'Unnamed';
      if (!attribute.reference || attribute.reference === 'users') return <span>{name}</span>;
      return (
        <Link className="record-link" href={`/${attribute.reference}/${value.id}`}>
          {name}
        </Link>
      );
    }
    case 'select':
      return <span className={`badge badge-${String(value)}`}>{optionLabel(String(value))}</span>;
    case 'multiselect':
      return (
        <span className="tag-list">
          {(Array.isArray(value) ? value : [String(value)]).map((tag) => (
            <span key={tag} className="tag">
              {tag}
            </span>
          ))}
        </span>
      );
    case 'number':
      return (
        <span className="numeric">{typeof value === 'number' ? formatNumber(value) : String(value)}</span>
      );
    case 'timestamp':
      return (
        <time className="numeric" dateTime={String(value)} title={String(value)}>
          {formatDate(String(value))}
        </time>
      );
    case 'date':
      return <time dateTime={String(value)}>{formatDate(`${String(value)}T00:00:00`)}</time>;
    case 'email':
      return <span className="email-cell">{String(value)}</span>;
    case 'phone':
      return <span className="numeric">{String(value)}</span>;
    default:
      return <>{String(value)}</>;
  }
}

export function describeValue(attribute: AttributeSpec, value: RecordValue | undefined): string {
  if (value === null || value === undefined) return '—';
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'object') return value.name ?? value.id;
  if (attribute.type === 'timestamp') return formatDateTime(String(value));
  return String(value);
}
