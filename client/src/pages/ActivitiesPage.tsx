import { keepPreviousData } from '@tanstack/react-query';
import { useMemo } from 'react';
import type { CrmRecord, ReferenceValue } from '../../../shared/records';
import { useDocumentTitle } from '../app/document-title';
import { FilterBar } from '../components/filter-bar/FilterBar';
import { isFilterEmpty } from '../components/filter-bar/filter-state';
import { Button } from '../components/ui/Button';
import { formatNumber } from '../components/ui/format';
import { EmptyState, ErrorState, LoadingState } from '../components/ui/States';
import { Link } from '../navigation';
import { trpc } from '../trpc';
import { RecordsHeader } from './RecordsHeader';
import { defaultColumns, useRecordFilters, useServerFilterProblem } from './use-record-filters';

const pageSize = 100;
const object = 'activities' as const;

const typeIcons: Record<string, string> = {
  note: '✎',
  email: '✉',
  call: '☎',
  meeting: '◷',
  status_change: '⇄',
  task: '☐',
};

const dayFormat = new Intl.DateTimeFormat('en', {
  weekday: 'long',
  month: 'long',
  day: 'numeric',
  year: 'numeric',
});
const timeFormat = new Intl.DateTimeFormat('en', { hour: 'numeric', minute: '2-digit' });

function dayLabel(date: Date, now = new Date()): string {
  const key = (value: Date) => value.toDateString();
  const yesterday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1);
  if (key(date) === key(now)) return 'Today';
  if (key(date) === key(yesterday)) return 'Yesterday';
  return dayFormat.format(date);
}

const isReference = (value: unknown): value is ReferenceValue =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && 'id' in value;

/** Activities as a timeline: newest first, grouped by day, filterable by type and by linked record. */
export function ActivitiesPage() {
  const filters = useRecordFilters(object);
  const views = trpc.views.list.useQuery({ object });
  const view = views.data?.find((candidate) => candidate.id === filters.viewId);
  const columns = view?.columns.length ? view.columns : defaultColumns(object);
  useDocumentTitle(view ? `${view.name} · Activities` : 'Activities');

  const list = trpc.activities.list.useInfiniteQuery(
    { filter: filters.composed.filter, sort: [filters.sort], limit: pageSize },
    {
      enabled: !filters.problem,
      getNextPageParam: (last) => last.nextCursor ?? undefined,
      placeholderData: keepPreviousData,
    },
  );
  const records: CrmRecord[] = useMemo(
    () => list.data?.pages.flatMap((page) => page.records) ?? [],
    [list.data],
  );
  const total = list.data?.pages[0]?.total;

  const serverProblem = useServerFilterProblem(list.error, filters.composed);
  const problem = filters.problem ?? serverProblem;

  const groups = useMemo(() => {
    const byDay = new Map<string, { label: string; items: CrmRecord[] }>();
    for (const record of records) {
      const at = typeof record.occurred_at === 'string' ? new Date(record.occurred_at) : null;
      const key = at ? at.toDateString() : 'unknown';
      const group = byDay.get(key) ?? { label: at ? dayLabel(at) : 'No date', items: [] };
      group.items.push(record);
      byDay.set(key, group);
    }
    return [...byDay.entries()];
  }, [records]);

  const linkTo = (slug: 'person' | 'company' | 'conversation', value: ReferenceValue) =>
    filters.setState({
      ...filters.state,
      links: { ...filters.state.links, [slug]: { id: value.id, name: value.name ?? 'record' } },
    });

  return (
    <div className="page">
      <RecordsHeader
        object={object}
        filters={filters}
        views={views.data ?? []}
        columns={columns}
        total={total}
        problem={problem}
      />
      <FilterBar
        object={object}
        state={filters.state}
        onChange={filters.setState}
        tagSuggestions={[]}
        problem={problem}
      />
      <section className="panel timeline-panel" aria-label="Activity timeline">
        {problem ? (
          <EmptyState title="Fix the filter to see activities">{problem.reason}</EmptyState>
        ) : list.isPending ? (
          <LoadingState label="Loading activities…" />
        ) : list.error && !list.data ? (
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        ) : records.length === 0 ? (
          <EmptyState title={isFilterEmpty(filters.state) ? 'No activity yet' : 'No matching activity'}>
            {isFilterEmpty(filters.state)
              ? 'Notes, emails, calls and meetings will show up here.'
              : 'Nothing matches these filters.'}
          </EmptyState>
        ) : (
          <>
            <ol className="timeline">
              {groups.map(([key, group]) => (
                <li key={key} className="timeline-day">
                  <h2 className="timeline-day-label">{group.label}</h2>
                  <ol className="timeline-items">
                    {group.items.map((record) => {
                      const type = String(record.type ?? 'note');
                      const refs = (['person', 'company', 'conversation'] as const).flatMap((slug) => {
                        const value = record[slug];
                        return isReference(value) ? [{ slug, value }] : [];
                      });
                      const actor = record.actor;
                      return (
                        <li key={record.id} className="timeline-item">
                          <span className={`timeline-icon timeline-${type}`} aria-hidden="true">
                            {typeIcons[type] ?? '•'}
                          </span>
                          <div className="timeline-content">
                            <div className="timeline-head">
                              <Link className="timeline-subject" href={`/activities/${record.id}`}>
                                {String(record.subject ?? 'Untitled activity')}
                              </Link>
                              <span className={`badge badge-${type}`}>{type.replace('_', ' ')}</span>
                              {typeof record.occurred_at === 'string' ? (
                                <time className="subtle numeric" dateTime={record.occurred_at}>
                                  {timeFormat.format(new Date(record.occurred_at))}
                                </time>
                              ) : null}
                            </div>
                            {typeof record.body === 'string' && record.body ? (
                              <p className="timeline-body">{record.body}</p>
                            ) : null}
                            <div className="timeline-links">
                              {isReference(actor) ? <span className="subtle">by {actor.name}</span> : null}
                              {refs.map(({ slug, value }) => (
                                <button
                                  key={slug}
                                  type="button"
                                  className="link-chip"
                                  title={`Show activities of this ${slug}`}
                                  onClick={() => linkTo(slug, value)}
                                >
                                  {value.name ?? 'Unnamed'}
                                </button>
                              ))}
                            </div>
                          </div>
                        </li>
                      );
                    })}
                  </ol>
                </li>
              ))}
            </ol>
            <footer className="table-footer">
              <span className="muted numeric">
                Showing {formatNumber(records.length)} of {formatNumber(total ?? 0)}
              </span>
              {list.hasNextPage ? (
                <Button size="sm" busy={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
                  Load older activity
                </Button>
              ) : null}
            </footer>
          </>
        )}
      </section>
    </div>
  );
}
