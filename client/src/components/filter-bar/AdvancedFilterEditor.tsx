import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { Button } from '../ui/Button';
import { parseAdvanced } from './filter-state';
import { jsonWithPathLines, lineOfPath } from './json-lines';

export interface FilterProblemView {
  /** Path inside the advanced JSON ('' for its root), or null when the problem is elsewhere in the filter. */
  path: string | null;
  fullPath: string;
  reason: string;
  message: string;
  code: string;
}

/**
 * The advanced filter: JSON in the filter language, AND-ed with the bar's controls. An INVALID_FILTER
 * problem is marked on the line it points at, with its path and reason right beside it.
 */
export function AdvancedFilterEditor({
  value,
  problem,
  onApply,
  onClose,
}: {
  value: string;
  problem: FilterProblemView | null;
  onApply(text: string): void;
  onClose(): void;
}) {
  const pretty = useMemo(() => {
    const parsed = parseAdvanced(value);
    return parsed.value ? jsonWithPathLines(parsed.value).text : value;
  }, [value]);
  const [text, setText] = useState(pretty || '{\n  \n}');
  const [syntaxError, setSyntaxError] = useState<string | null>(null);
  const textarea = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const hintId = useId();
  const problemId = useId();

  useEffect(() => {
    if (pretty) setText(pretty);
  }, [pretty]);

  const applied = text === pretty;
  const problemLine = useMemo(() => {
    if (!problem || problem.path === null || !applied) return undefined;
    const parsed = parseAdvanced(text);
    if (!parsed.value) return undefined;
    return lineOfPath(jsonWithPathLines(parsed.value).lineOf, problem.path);
  }, [problem, text, applied]);

  const lineCount = text.split('\n').length;

  function apply() {
    if (!text.trim() || text.trim() === '{}') {
      setSyntaxError(null);
      onApply('');
      return;
    }
    const parsed = parseAdvanced(text);
    if (parsed.error) {
      setSyntaxError(parsed.error);
      return;
    }
    setSyntaxError(null);
    onApply(JSON.stringify(parsed.value));
  }

  return (
    <section className="advanced-editor" aria-label="Advanced filter">
      <div className="advanced-editor-head">
        <h3>Advanced filter</h3>
        <p id={hintId} className="muted">
          JSON in the filter language, combined with the filters above. Example:{' '}
          <code>{'{"$or": [{"tags": {"$all": ["vip", "beta"]}}, {"company.industry": "Retail"}]}'}</code>
        </p>
      </div>
      <div className={`code-editor${problemLine !== undefined ? ' has-problem' : ''}`}>
        <div className="code-gutter" ref={gutter} aria-hidden="true">
          {Array.from({ length: lineCount }, (_, index) => (
            <div
              // biome-ignore lint/suspicious/noArrayIndexKey: line numbers are positions
              key={index}
              className={index === problemLine ? 'gutter-line is-problem' : 'gutter-line'}
            >
              {index === problemLine ? '●' : index + 1}
            </div>
          ))}
        </div>
        <div className="code-area">
          {problemLine !== undefined ? (
            <div className="code-line-highlight" style={{ top: `calc(${problemLine} * 1.5em + 10px)` }} />
          ) : null}
          <textarea
            ref={textarea}
            value={text}
            spellCheck={false}
            rows={Math.min(16, Math.max(5, lineCount + 1))}
            aria-label="Filter JSON"
            aria-describedby={`${hintId}${problem && !syntaxError ? ` ${problemId}` : ''}`}
            aria-invalid={problem || syntaxError ? true : undefined}
            onChange={(event) => setText(event.target.value)}
            onScroll={(event) => {
              if (gutter.current) gutter.current.scrollTop = event.currentTarget.scrollTop;
            }}
            onKeyDown={(event) => {
              if (event.key === 'Enter' && (event.metaKey || event.ctrlKey)) {
                event.preventDefault();
                apply();
              }
            }}
          />
        </div>
      </div>
      {syntaxError ? (
        <p className="field-error" role="alert">
          {syntaxError}
        </p>
      ) : null}
      {/* A syntax error is about the text being typed; the applied filter's problem would contradict it. */}
      {problem && !syntaxError ? (
        <div className="filter-problem" id={problemId} role="alert">
          <div className="filter-problem-title">
            <code className="error-code">{problem.code}</code>
            <span>{problem.message}</span>
          </div>
          <p>
            {problemLine !== undefined ? (
              <span className="problem-line">Line {problemLine + 1} · </span>
            ) : null}
            <code className="problem-path">{problem.fullPath || '(whole filter)'}</code> — {problem.reason}
          </p>
        </div>
      ) : null}
      <div className="advanced-editor-actions">
        <span className="subtle">Ctrl+Enter applies</span>
        <Button size="sm" variant="ghost" onClick={onClose}>
          Close
        </Button>
        <Button size="sm" variant="primary" onClick={apply}>
          Apply filter
        </Button>
      </div>
    </section>
  );
}
