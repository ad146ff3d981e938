import { structuredErrorOf } from '../../../shared/api-errors';
import { type ObjectSlug, objectSpec } from '../../../shared/catalog';
import { useDocumentTitle } from '../app/document-title';
import { CellValue } from '../components/data-table/CellValue';
import { formatDateTime } from '../components/ui/format';
import { EmptyState, ErrorState, LoadingState } from '../components/ui/States';
import { Link } from '../navigation';
import { trpc } from '../trpc';

const activityLink: Partial<Record<ObjectSlug, 'person' | 'company' | 'conversation'>> = {
  people: 'person',
  companies: 'company',
  conversations: 'conversation',
};

function titleOf(object: ObjectSlug, record: Record<string, unknown>): string {
  switch (object) {
    case 'people':
      return (
        [record.first_name, record.last_name].filter((part) => typeof part === 'string').join(' ') ||
        'Unnamed'
      );
    case 'companies':
      return String(record.name ?? 'Unnamed company');
    default:
      return String(record.subject ?? 'Untitled');
  }
}

/** One record: every attribute from the catalog, and its recent activity. */
export function RecordPage({ object, id }: { object: ObjectSlug; id: string }) {
  const spec = objectSpec(object);
  const record = trpc[object].get.useQuery({ id }, { retry: false });
  const link = activityLink[object];
  const activities = trpc.activities.list.useQuery(
    { filter: link ? { [link]: id } : {}, limit: 10 },
    { enabled: Boolean(link) && record.isSuccess },
  );

  const title = record.data ? titleOf(object, record.data) : spec.singular;
  const missing = ['NOT_FOUND', 'VALIDATION_ERROR'].includes(structuredErrorOf(record.error)?.code ?? '');
  useDocumentTitle(record.error ? (missing ? `${spec.singular} not found` : 'Error') : title);

  if (record.isPending) return <LoadingState label={`Loading ${spec.singular.toLowerCase()}…`} />;
  if (record.error)
    return (
      <div className="page">
        <nav className="breadcrumbs" aria-label="Breadcrumb">
          <Link href={`/${object}`}>{spec.plural}</Link>
        </nav>
        <h1 className="visually-hidden">{missing ? `${spec.singular} not found` : 'Error'}</h1>
        <div className="panel">
          {missing ? (
            <EmptyState
              title={`No such ${spec.singular.toLowerCase()}`}
              action={
                <Link className="btn btn-secondary btn-sm" href={`/${object}`}>
                  Back to {spec.plural}
                </Link>
              }
            >
              This link does not point to a {spec.singular.toLowerCase()} of this workspace: it may have been
              deleted, belong to another workspace, or be mistyped.
            </EmptyState>
          ) : (
            <ErrorState error={record.error} onRetry={() => void record.refetch()} />
          )}
        </div>
      </div>
    );
  const data = record.data;

  return (
    <div className="page">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <Link href={`/${object}`}>{spec.plural}</Link>
        <span aria-hidden="true">/</span>
        <span aria-current="page">{title}</span>
      </nav>
      <header className="page-header">
        <div className="page-title">
          <h1>{title}</h1>
        </div>
      </header>
      <div className="record-layout">
        <section className="panel record-fields" aria-label="Attributes">
          <dl>
            {spec.attributes.map((attribute) => (
              <div key={attribute.slug} className="record-field">
                <dt>{attribute.label}</dt>
                <dd>
                  <CellValue attribute={attribute} value={data[attribute.slug]} />
                </dd>
              </div>
            ))}
          </dl>
        </section>
        {link ? (
          <section className="panel record-activity" aria-labelledby="recent-activity">
            <div className="panel-head">
              <h2 id="recent-activity">Recent activity</h2>
              <Link href={`/activities?${new URLSearchParams({ [link]: id, [`${link}Name`]: title })}`}>
                See all
              </Link>
            </div>
            {activities.isPending ? (
              <LoadingState />
            ) : activities.data?.records.length ? (
              <ul className="mini-timeline">
                {activities.data.records.map((activity) => (
                  <li key={activity.id}>
                    <span className={`badge badge-${String(activity.type)}`}>
                      {String(activity.type).replace('_', ' ')}
                    </span>
                    <span className="mini-subject">{String(activity.subject ?? '')}</span>
                    {typeof activity.occurred_at === 'string' ? (
                      <time className="subtle" dateTime={activity.occurred_at}>
                        {formatDateTime(activity.occurred_at)}
                      </time>
                    ) : null}
                  </li>
                ))}
              </ul>
            ) : (
              <EmptyState title="No activity yet" />
            )}
          </section>
        ) : null}
      </div>
    </div>
  );
}
