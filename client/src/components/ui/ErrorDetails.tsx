import type { ErrorCode } from '../../../../shared/errors';

export interface ErrorLike {
  code: string;
  message: string;
  details?: Record<string, unknown>;
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

/** A structured error as a calm callout: what happened, its code, and what to fix. */
export function ErrorDetails({ error, title }: { error: ErrorLike; title?: string }) {
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
    </div>
  );
}
