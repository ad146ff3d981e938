import { type FormEvent, useId, useState } from 'react';
import { structuredErrorOf } from '../../../shared/api-errors';
import { type ApiKeyScope, type ApiKeySummary, apiKeyScopes } from '../../../shared/auth';
import { useDocumentTitle } from '../app/document-title';
import { hasRole, useSession } from '../app/session';
import { Button } from '../components/ui/Button';
import { Dialog } from '../components/ui/Dialog';
import { ErrorDetails } from '../components/ui/ErrorDetails';
import { formatDateTime, formatRelative } from '../components/ui/format';
import { EmptyState, ErrorState, LoadingState } from '../components/ui/States';
import { trpc } from '../trpc';

const scopeHelp: Record<ApiKeyScope, string> = {
  'records:read': 'Read people, companies, conversations and activities',
  'records:write': 'Create and change records',
  'exports:read': 'See exports, follow their progress, download files',
  'exports:write': 'Start and cancel exports',
  'views:read': 'List saved views',
  'views:write': 'Create, change and delete saved views',
  'keys:write': 'Manage API keys (only ever grants scopes the key itself holds)',
};

/** Settings → API keys: what a script or integration uses instead of a session (admins only). */
export function ApiKeysPage() {
  const me = useSession();
  useDocumentTitle('API keys · Settings');
  const isAdmin = hasRole(me, 'admin');
  const keys = trpc.apiKeys.list.useQuery(undefined, { enabled: isAdmin });
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiKeySummary | null>(null);
  const active = keys.data?.filter((key) => !key.revokedAt) ?? [];
  const revoked = keys.data?.filter((key) => key.revokedAt) ?? [];

  return (
    <div className="page">
      <header className="page-header">
        <div className="page-title page-title-stacked">
          <span className="page-eyebrow">Settings</span>
          <h1>API keys</h1>
        </div>
        {isAdmin ? (
          <div className="page-actions">
            <Button variant="primary" onClick={() => setCreating(true)}>
              Create API key
            </Button>
          </div>
        ) : null}
      </header>
      <p className="muted page-lead">
        A key lets a script or an integration call the API as you (<code>Authorization: Bearer crm_…</code>),
        limited to the scopes you give it and never beyond your role. Revoke a key as soon as it is no longer
        needed or may have leaked.
      </p>
      {!isAdmin ? (
        <div className="panel">
          <EmptyState title="Only admins manage API keys">
            Ask an admin of {me.workspace.name} to create a key for you, with only the scopes it needs.
          </EmptyState>
        </div>
      ) : keys.isPending ? (
        <LoadingState label="Loading API keys…" />
      ) : keys.error ? (
        <ErrorState error={keys.error} onRetry={() => void keys.refetch()} />
      ) : (
        <>
          <section className="panel table-panel" aria-labelledby="active-keys">
            <div className="panel-head">
              <h2 id="active-keys">Active keys</h2>
              <span className="subtle numeric">{active.length}</span>
            </div>
            {active.length === 0 ? (
              <EmptyState
                title="No API keys yet"
                action={
                  <Button size="sm" onClick={() => setCreating(true)}>
                    Create API key
                  </Button>
                }
              >
                Create one for each script or integration, so each can be revoked on its own.
              </EmptyState>
            ) : (
              <KeysTable keys={active} onRevoke={setRevoking} />
            )}
          </section>
          {revoked.length ? (
            <section className="panel table-panel" aria-labelledby="revoked-keys">
              <div className="panel-head">
                <h2 id="revoked-keys">Revoked</h2>
                <span className="subtle numeric">{revoked.length}</span>
              </div>
              <KeysTable keys={revoked} />
            </section>
          ) : null}
        </>
      )}
      {creating ? <CreateKeyDialog onClose={() => setCreating(false)} /> : null}
      {revoking ? <RevokeKeyDialog apiKey={revoking} onClose={() => setRevoking(null)} /> : null}
    </div>
  );
}

function KeysTable({ keys, onRevoke }: { keys: ApiKeySummary[]; onRevoke?: (key: ApiKeySummary) => void }) {
  return (
    <div className="table-scroll">
      <table className="data-table keys-table">
        <caption className="visually-hidden">{onRevoke ? 'Active API keys' : 'Revoked API keys'}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Key</th>
            <th scope="col">Scopes</th>
            <th scope="col">Created</th>
            <th scope="col">{onRevoke ? 'Last used' : 'Revoked'}</th>
            {onRevoke ? (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {keys.map((key) => (
            <tr key={key.id} data-key-id={key.id}>
              <td>
                <div className="key-name">{key.name}</div>
                <div className="subtle">{key.ownerEmail}</div>
              </td>
              <td>
                <code className="key-prefix">{key.prefix}…</code>
              </td>
              <td className="wrap-cell">
                <span className="tag-list">
                  {key.scopes.map((scope) => (
                    <span key={scope} className="tag" title={scopeHelp[scope]}>
                      {scope}
                    </span>
                  ))}
                </span>
              </td>
              <td>
                <time dateTime={key.createdAt} title={formatDateTime(key.createdAt)}>
                  {formatRelative(key.createdAt)}
                </time>
              </td>
              <td>
                {onRevoke ? (
                  key.lastUsedAt ? (
                    <time dateTime={key.lastUsedAt} title={formatDateTime(key.lastUsedAt)}>
                      {formatRelative(key.lastUsedAt)}
                    </time>
                  ) : (
                    <span className="subtle">Never</span>
                  )
                ) : key.revokedAt ? (
                  <time dateTime={key.revokedAt} title={formatDateTime(key.revokedAt)}>
                    {formatRelative(key.revokedAt)}
                  </time>
                ) : null}
              </td>
              {onRevoke ? (
                <td className="col-actions">
                  <Button size="sm" variant="danger" onClick={() => onRevoke(key)}>
                    Revoke<span className="visually-hidden"> {key.name}</span>
                  </Button>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function CreateKeyDialog({ onClose }: { onClose(): void }) {
  const utils = trpc.useUtils();
  const create = trpc.apiKeys.create.useMutation({ onSuccess: () => utils.apiKeys.list.invalidate() });
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<ApiKeyScope[]>([]);
  const [tried, setTried] = useState(false);
  const nameId = useId();
  const nameErrorId = useId();
  const scopesErrorId = useId();
  const formId = useId();
  const error = structuredErrorOf(create.error);
  const created = create.data;

  function submit(event: FormEvent) {
    event.preventDefault();
    setTried(true);
    if (!name.trim() || scopes.length === 0) return;
    create.mutate({ name: name.trim(), scopes });
  }

  if (created) {
    return (
      <Dialog
        key="created"
        title="Your new API key"
        description="Copy it now: it is shown only once, and only its first characters are kept."
        onClose={onClose}
        footer={
          <Button variant="primary" onClick={onClose}>
            Done
          </Button>
        }
      >
        <NewKey value={created.key} />
        <dl className="meta-list">
          <div>
            <dt>Name</dt>
            <dd>{created.name}</dd>
          </div>
          <div>
            <dt>Scopes</dt>
            <dd>{created.scopes.join(', ')}</dd>
          </div>
        </dl>
        <p className="field-hint">
          Use it as <code>Authorization: Bearer {created.prefix}…</code> on <code>/trpc</code> and{' '}
          <code>/api</code> requests.
        </p>
      </Dialog>
    );
  }

  return (
    <Dialog
      key="form"
      title="Create an API key"
      description="Give it a name you will recognise and only the scopes it needs."
      onClose={onClose}
      footer={
        <>
          <Button variant="ghost" onClick={onClose}>
            Cancel
          </Button>
          <Button variant="primary" type="submit" form={formId} busy={create.isPending}>
            Create key
          </Button>
        </>
      }
    >
      <form id={formId} className="key-form" onSubmit={submit} noValidate>
        {error ? <ErrorDetails title="The key could not be created" error={error} withReference /> : null}
        <div className="field">
          <label className="field-label" htmlFor={nameId}>
            Name
          </label>
          <input
            id={nameId}
            className="input"
            value={name}
            maxLength={100}
            placeholder="Nightly CSV to the warehouse"
            autoComplete="off"
            data-autofocus
            aria-invalid={tried && !name.trim() ? true : undefined}
            aria-describedby={tried && !name.trim() ? nameErrorId : undefined}
            onChange={(event) => setName(event.target.value)}
          />
          {tried && !name.trim() ? (
            <p id={nameErrorId} className="field-error">
              Give the key a name.
            </p>
          ) : null}
        </div>
        <fieldset
          className="form-section scope-list"
          aria-describedby={tried && scopes.length === 0 ? scopesErrorId : undefined}
        >
          <legend>Scopes</legend>
          {apiKeyScopes.map((scope) => (
            <label key={scope} className="scope-option">
              <input
                type="checkbox"
                checked={scopes.includes(scope)}
                onChange={(event) =>
                  setScopes((current) =>
                    event.target.checked
                      ? apiKeyScopes.filter((candidate) => candidate === scope || current.includes(candidate))
                      : current.filter((candidate) => candidate !== scope),
                  )
                }
              />
              <span>
                <code>{scope}</code>
                <span className="subtle"> — {scopeHelp[scope]}</span>
              </span>
            </label>
          ))}
          {tried && scopes.length === 0 ? (
            <p id={scopesErrorId} className="field-error">
              Choose at least one scope.
            </p>
          ) : null}
        </fieldset>
      </form>
    </Dialog>
  );
}

function NewKey({ value }: { value: string }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const inputId = useId();
  return (
    <div className="new-key">
      <label className="field-label" htmlFor={inputId}>
        API key
      </label>
      <div className="new-key-row">
        <input
          id={inputId}
          className="input key-value"
          readOnly
          value={value}
          data-testid="new-api-key"
          onFocus={(event) => event.currentTarget.select()}
        />
        <Button
          variant="primary"
          data-autofocus
          onClick={() =>
            void navigator.clipboard.writeText(value).then(
              () => setCopied('yes'),
              () => setCopied('failed'),
            )
          }
        >
          Copy
        </Button>
      </div>
      <p className="subtle" aria-live="polite">
        {copied === 'yes'
          ? 'Copied to the clipboard.'
          : copied === 'failed'
            ? 'Copying was refused: select the key and copy it yourself.'
            : ''}
      </p>
    </div>
  );
}

function RevokeKeyDialog({ apiKey, onClose }: { apiKey: ApiKeySummary; onClose(): void }) {
  const utils = trpc.useUtils();
  const revoke = trpc.apiKeys.revoke.useMutation({
    onSuccess: async () => {
      await utils.apiKeys.list.invalidate();
      onClose();
    },
  });
  const error = structuredErrorOf(revoke.error);
  return (
    <Dialog
      title={`Revoke “${apiKey.name}”?`}
      description="Anything using this key stops working at once. This cannot be undone."
      onClose={onClose}
      width={480}
      footer={
        <>
          <Button variant="ghost" onClick={onClose} data-autofocus>
            Keep key
          </Button>
          <Button
            variant="danger"
            className="btn-danger-solid"
            busy={revoke.isPending}
            onClick={() => revoke.mutate({ id: apiKey.id })}
          >
            Revoke key
          </Button>
        </>
      }
    >
      <p>
        <code>{apiKey.prefix}…</code> · {apiKey.scopes.join(', ')} · last used{' '}
        {apiKey.lastUsedAt ? formatRelative(apiKey.lastUsedAt) : 'never'}
      </p>
      {error ? <ErrorDetails title="The key could not be revoked" error={error} withReference /> : null}
    </Dialog>
  );
}
