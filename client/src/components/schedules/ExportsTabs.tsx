import { type KeyboardEvent, useRef } from 'react';
import { navigate, useLocation } from '../../navigation';
import './schedules.css';

export type ExportsTab = 'history' | 'schedules';
const tabs: { value: ExportsTab; label: string }[] = [
  { value: 'history', label: 'History' },
  { value: 'schedules', label: 'Schedules' },
];

/** The Exports page's tab, in the URL (`?tab=schedules`), so emails and reloads land on it. */
export function useExportsTab(): [ExportsTab, (tab: ExportsTab) => void] {
  const { search } = useLocation();
  const tab: ExportsTab = search.get('tab') === 'schedules' ? 'schedules' : 'history';
  return [tab, (next) => navigate(next === 'schedules' ? '/exports?tab=schedules' : '/exports')];
}

/** History | Schedules, as ARIA tabs (arrow keys move between them). */
export function ExportsTabs({ tab, onChange }: { tab: ExportsTab; onChange(tab: ExportsTab): void }) {
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  function onKeyDown(event: KeyboardEvent) {
    if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return;
    const index = tabs.findIndex((candidate) => candidate.value === tab);
    const next = tabs[(index + (event.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length];
    if (!next) return;
    event.preventDefault();
    onChange(next.value);
    refs.current[tabs.indexOf(next)]?.focus();
  }
  return (
    <div className="exports-tabs" role="tablist" aria-label="Exports" onKeyDown={onKeyDown}>
      {tabs.map((candidate, index) => (
        <button
          key={candidate.value}
          ref={(element) => {
            refs.current[index] = element;
          }}
          type="button"
          role="tab"
          className="exports-tab"
          aria-selected={tab === candidate.value}
          tabIndex={tab === candidate.value ? 0 : -1}
          onClick={() => onChange(candidate.value)}
        >
          {candidate.label}
        </button>
      ))}
    </div>
  );
}
