import { useEffect, useId, useState } from 'react';
import type { AttributeSpec, ObjectSlug } from '../../../../shared/catalog';
import { objectSpec, optionLabel } from '../../../../shared/catalog';
import { Button } from '../ui/Button';
import { Popover } from '../ui/Popover';
import { AdvancedFilterEditor, type FilterProblemView } from './AdvancedFilterEditor';
import {
  type DatePreset,
  datePresetLabels,
  datePresets,
  emptyFilterState,
  type FilterState,
  isFilterEmpty,
  searchableAttributes,
  selectAttributes,
  tagAttribute,
  toDateInput,
} from './filter-state';

// Option labels as files carry them too (the catalog's rule).
const humanize = optionLabel;

function summarize(values: readonly string[]): string {
  if (values.length <= 2) return values.map(humanize).join(', ');
  return `${humanize(values[0] ?? '')} +${values.length - 1}`;
}

export function FilterBar({
  object,
  state,
  onChange,
  tagSuggestions,
  problem,
}: {
  object: ObjectSlug;
  state: FilterState;
  onChange(next: FilterState): void;
  tagSuggestions: readonly string[];
  problem: FilterProblemView | null;
}) {
  const [advancedOpen, setAdvancedOpen] = useState(Boolean(state.advanced) || problem?.path != null);
  const tags = tagAttribute(object);
  const searchable = searchableAttributes(object);

  useEffect(() => {
    if (problem && problem.path !== null) setAdvancedOpen(true);
  }, [problem]);

  return (
    <section className="filter-bar" aria-label="Filters">
      <div className="filter-row">
        {searchable.length ? (
          <SearchBox
            value={state.q}
            placeholder={`Search ${searchable.map((attribute) => attribute.label.toLowerCase()).join(', ')}`}
            onChange={(q) => onChange({ ...state, q })}
          />
        ) : null}
        {selectAttributes(object).map((attribute) => (
          <SelectFilter
            key={attribute.slug}
            attribute={attribute}
            values={state.selects[attribute.slug] ?? []}
            onChange={(values) =>
              onChange({ ...state, selects: { ...state.selects, [attribute.slug]: values } })
            }
          />
        ))}
        {tags ? (
          <TagsFilter
            label={tags.label}
            values={state.tags}
            mode={state.tagsMode}
            suggestions={tagSuggestions}
            onChange={(values, tagsMode) => onChange({ ...state, tags: values, tagsMode })}
          />
        ) : null}
        <DateFilter
          label={
            objectSpec(object).attributes.find((a) => a.slug === objectSpec(object).dateAttribute)?.label ??
            'Date'
          }
          state={state}
          onChange={(patch) => onChange({ ...state, ...patch })}
        />
        {Object.entries(state.links).map(([slug, link]) => (
          <span key={slug} className="chip-button is-active chip-static">
            {humanize(slug)}: {link.name}
            <button
              type="button"
              className="chip-remove"
              aria-label={`Remove ${slug} filter`}
              onClick={() => {
                const links = { ...state.links };
                delete links[slug];
                onChange({ ...state, links });
              }}
            >
              ×
            </button>
          </span>
        ))}
        <button
          type="button"
          className={`chip-button${state.advanced ? ' is-active' : ''}`}
          aria-expanded={advancedOpen}
          onClick={() => setAdvancedOpen((open) => !open)}
        >
          <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true">
            <path d="M5 3L2 8l3 5M11 3l3 5-3 5" stroke="currentColor" strokeWidth="1.5" fill="none" />
          </svg>
          Advanced{state.advanced ? ' · on' : ''}
        </button>
        {!isFilterEmpty(state) ? (
          <Button
            size="sm"
            variant="ghost"
            className="clear-filters"
            onClick={() => onChange(emptyFilterState())}
          >
            Clear filters
          </Button>
        ) : null}
      </div>
      {problem && problem.path === null ? (
        <div className="filter-problem" role="alert">
          <div className="filter-problem-title">
            <code className="error-code">{problem.code}</code>
            <span>{problem.message}</span>
          </div>
          <p>
            <code className="problem-path">{problem.fullPath || '(whole filter)'}</code> — {problem.reason}
          </p>
        </div>
      ) : null}
      {advancedOpen ? (
        <AdvancedFilterEditor
          value={state.advanced}
          problem={problem}
          onApply={(advanced) => onChange({ ...state, advanced })}
          onClose={() => setAdvancedOpen(false)}
        />
      ) : null}
    </section>
  );
}

function SearchBox({
  value,
  placeholder,
  onChange,
}: {
  value: string;
  placeholder: string;
  onChange(value: string): void;
}) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  useEffect(() => {
    if (draft === value) return;
    const timer = setTimeout(() => onChange(draft), 300);
    return () => clearTimeout(timer);
  }, [draft, value, onChange]);
  return (
    <label className="search-box">
      <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true">
        <circle cx="7" cy="7" r="4.5" stroke="currentColor" strokeWidth="1.5" fill="none" />
        <path d="M10.5 10.5L14 14" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
      </svg>
      <span className="visually-hidden">Search</span>
      <input
        type="search"
        value={draft}
        placeholder={placeholder}
        onChange={(event) => setDraft(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter') onChange(draft);
        }}
      />
    </label>
  );
}

function SelectFilter({
  attribute,
  values,
  onChange,
}: {
  attribute: AttributeSpec;
  values: string[];
  onChange(values: string[]): void;
}) {
  const options = attribute.options ?? [];
  return (
    <Popover
      panelLabel={`${attribute.label} filter`}
      active={values.length > 0}
      label={
        <>
          {attribute.label}
          {values.length ? <span className="chip-value">{summarize(values)}</span> : null}
        </>
      }
    >
      {() => (
        <fieldset className="option-list">
          <legend className="visually-hidden">{attribute.label}</legend>
          {options.map((option) => (
            <label key={option} className="option">
              <input
                type="checkbox"
                checked={values.includes(option)}
                onChange={(event) =>
                  onChange(
                    event.target.checked
                      ? options.filter((candidate) => candidate === option || values.includes(candidate))
                      : values.filter((value) => value !== option),
                  )
                }
              />
              <span className={`badge badge-${option}`}>{humanize(option)}</span>
            </label>
          ))}
          {values.length ? (
            <button type="button" className="link-button" onClick={() => onChange([])}>
              Clear {attribute.label.toLowerCase()}
            </button>
          ) : null}
        </fieldset>
      )}
    </Popover>
  );
}

function TagsFilter({
  label,
  values,
  mode,
  suggestions,
  onChange,
}: {
  label: string;
  values: string[];
  mode: 'any' | 'all';
  suggestions: readonly string[];
  onChange(values: string[], mode: 'any' | 'all'): void;
}) {
  const [draft, setDraft] = useState('');
  const inputId = useId();
  const choices = [...new Set([...values, ...suggestions])].sort((a, b) => a.localeCompare(b));
  function add() {
    const tag = draft.trim();
    if (tag && !values.includes(tag)) onChange([...values, tag], mode);
    setDraft('');
  }
  return (
    <Popover
      panelLabel={`${label} filter`}
      active={values.length > 0}
      label={
        <>
          {label}
          {values.length ? (
            <span className="chip-value">
              {values.length > 1 ? `${mode === 'all' ? 'all of' : 'any of'} ` : ''}
              {values.length <= 2 ? values.join(', ') : `${values[0]} +${values.length - 1}`}
            </span>
          ) : null}
        </>
      }
    >
      {() => (
        <div className="tags-filter">
          <fieldset className="segmented">
            <legend className="visually-hidden">Match</legend>
            {(['any', 'all'] as const).map((option) => (
              <label key={option} className={mode === option ? 'is-selected' : ''}>
                <input
                  type="radio"
                  name="tags-mode"
                  checked={mode === option}
                  onChange={() => onChange(values, option)}
                />
                Has {option}
              </label>
            ))}
          </fieldset>
          <fieldset className="option-list option-list-scroll">
            <legend className="visually-hidden">{label}</legend>
            {choices.length === 0 ? <p className="subtle">No tags seen yet: type one below.</p> : null}
            {choices.map((tag) => (
              <label key={tag} className="option">
                <input
                  type="checkbox"
                  checked={values.includes(tag)}
                  onChange={(event) =>
                    onChange(
                      event.target.checked ? [...values, tag] : values.filter((value) => value !== tag),
                      mode,
                    )
                  }
                />
                <span className="tag">{tag}</span>
              </label>
            ))}
          </fieldset>
          <div className="inline-form">
            <label htmlFor={inputId} className="visually-hidden">
              Add a tag
            </label>
            <input
              id={inputId}
              className="input input-sm"
              placeholder="Add a tag…"
              value={draft}
              onChange={(event) => setDraft(event.target.value)}
              onKeyDown={(event) => {
                if (event.key === 'Enter') {
                  event.preventDefault();
                  add();
                }
              }}
            />
            <Button size="sm" onClick={add} disabled={!draft.trim()}>
              Add
            </Button>
          </div>
        </div>
      )}
    </Popover>
  );
}

function DateFilter({
  label,
  state,
  onChange,
}: {
  label: string;
  state: FilterState;
  onChange(patch: Partial<FilterState>): void;
}) {
  const summary =
    state.date === null
      ? null
      : state.date === 'custom'
        ? `${state.from || '…'} → ${state.to || '…'}`
        : datePresetLabels[state.date];
  const today = toDateInput(new Date());
  return (
    <Popover
      panelLabel={`${label} range`}
      active={state.date !== null}
      label={
        <>
          {label}
          {summary ? <span className="chip-value">{summary}</span> : null}
        </>
      }
    >
      {(close) => (
        <div className="date-filter">
          <fieldset className="option-list">
            <legend className="visually-hidden">{label} range</legend>
            {datePresets.map((preset: DatePreset) => (
              <label key={preset} className="option">
                <input
                  type="radio"
                  name="date-preset"
                  checked={state.date === preset}
                  onChange={() =>
                    onChange(
                      preset === 'custom'
                        ? { date: 'custom', from: state.from || today, to: state.to || today }
                        : { date: preset },
                    )
                  }
                />
                {datePresetLabels[preset]}
              </label>
            ))}
          </fieldset>
          {state.date === 'custom' ? (
            <div className="date-inputs">
              <label>
                <span>From</span>
                <input
                  type="date"
                  className="input input-sm"
                  value={state.from}
                  max={state.to || undefined}
                  onChange={(event) => onChange({ from: event.target.value })}
                />
              </label>
              <label>
                <span>To</span>
                <input
                  type="date"
                  className="input input-sm"
                  value={state.to}
                  min={state.from || undefined}
                  onChange={(event) => onChange({ to: event.target.value })}
                />
              </label>
            </div>
          ) : null}
          <div className="popover-actions">
            {state.date !== null ? (
              <button
                type="button"
                className="link-button"
                onClick={() => {
                  onChange({ date: null, from: '', to: '' });
                  close();
                }}
              >
                Any time
              </button>
            ) : null}
            <Button size="sm" onClick={close}>
              Done
            </Button>
          </div>
        </div>
      )}
    </Popover>
  );
}
