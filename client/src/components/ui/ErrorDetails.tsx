import { useState } from 'react';
import type { ErrorCode } from '../../../../shared/errors';

export interface ErrorLike {
  code: string;
  message: string;
  details?: Record<string, unknown>;
  /** The structured error's own field (an answer to this browser's request). */
  request_id?: string;
}

interface FieldMessage {
  field: string;
  message: string;
}

/** Field-level messages of a structured error: `issues` of VALIDATION_ERROR, `path`/`reason` of INVALID_FILTER. */
export function fieldMessagesOf(error: ErrorLike): FieldMessage[] {
  const details = error.details ?? {};
  const messages: FieldMessage[] = [];
  if (Array.isArray(details.issues)) {
    for (const issue of details.issues) {
      if (typeof issue !== 'object' || issue === null) continue;
      const { path, message } = issue as { path?: unknown; message?: unknown };
      messages.push({
        field: Array.isArray(path) ? path.join('.') : String(path ?? ''),
        message: String(message ?? ''),
      });
    }
  }
  if (typeof details.reason === 'string') {
    messages.push({
      field: typeof details.path === 'string' ? details.path : 'filter',
      message: details.reason,
    });
  }
  return messages;
}

const hints: Partial<Record<ErrorCode, string>> = {
  FORBIDDEN: 'Your role does not allow this. Ask a workspace admin.',
  RATE_LIMIT_EXCEEDED: 'Too many requests right now. Wait a moment and try again.',
  EXPORT_EXPIRED: 'The file was deleted after its retention period. Run the export again.',
  INTERNAL_SERVER_ERROR: 'Something failed on our side. Try again; if it persists, share the request id.',
};

/** The id that finds the server's log line: given by the caller, else the error's own. */
export function requestIdOf(error: ErrorLike, requestId?: string | null): string | null {
  if (requestId) return requestId;
  if (error.request_id) return error.request_id;
  const fromDetails = error.details?.request_id ?? error.details?.requestId;
  return typeof fromDetails === 'string' ? fromDetails : null;
}

/** What "Copy details" puts on the clipboard: enough for a support ticket, nothing secret. */
export function errorReport(error: ErrorLike, requestId: string | null, context?: string): string {
  return [
    context,
    `code: ${error.code}`,
    `message: ${error.message}`,
    requestId ? `request id: ${requestId}` : null,
    error.details && Object.keys(error.details).length ? `details: ${JSON.stringify(error.details)}` : null,
    `at: ${new Date().toISOString()}`,
    `page: ${window.location.pathname}`,
  ]
    .filter((line): line is string => Boolean(line))
    .join('\n');
}

/** The request id and a button that copies the error's details, for a report to whoever runs the server. */
export function ErrorReference({
  error,
  requestId,
  context,
}: {
  error: ErrorLike;
  requestId?: string | null;
  context?: string;
}) {
  const id = requestIdOf(error, requestId);
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  async function copy() {
    try {
      await navigator.clipboard.writeText(errorReport(error, id, context));
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  }
  return (
    <div className="error-reference">
      {id ? (
        <span>
          Request id <code data-testid="request-id">{id}</code>
        </span>
      ) : null}
      <button type="button" className="link-button" onClick={() => void copy()}>
        Copy details
      </button>
      <span aria-live="polite">
        {copied === 'yes' ? 'Copied' : copied === 'failed' ? 'Copy failed: select the text instead' : ''}
      </span>
    </div>
  );
}

/** A structured error as a calm callout: what happened, its code, and what to fix. */
export function ErrorDetails({
  error,
  title,
  requestId,
  withReference = false,
}: {
  error: ErrorLike;
  title?: string;
  requestId?: string | null;
  /** Shows the request id and "Copy details" (failures worth reporting; not a form's own mistakes). */
  withReference?: boolean;
}) {
  const fields = fieldMessagesOf(error);
  const hint = hints[error.code as ErrorCode];
  return (
    <div className="callout callout-error" role="alert">
      <div className="callout-title">
        <strong>{title ?? error.message}</strong>
        <code className="error-code">{error.code}</code>
      </div>
      {title ? <p>{error.message}</p> : null}
      {fields.length ? (
        <ul className="field-errors">
          {fields.map((field) => (
            <li key={`${field.field}:${field.message}`}>
              {field.field ? <code>{field.field}</code> : null} {field.message}
            </li>
          ))}
        </ul>
      ) : null}
      {hint ? <p className="muted">{hint}</p> : null}
      {withReference ? <ErrorReference error={error} requestId={requestId} context={title} /> : null}
    </div>
  );
}
