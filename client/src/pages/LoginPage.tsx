import { useQueryClient } from '@tanstack/react-query';
import { getQueryKey } from '@trpc/react-query';
import { type FormEvent, useState } from 'react';
import { structuredErrorOf } from '../../../shared/api-errors';
import { useDocumentTitle } from '../app/document-title';
import { sessionHint } from '../app/session';
import { Button } from '../components/ui/Button';
import { navigate, useLocation } from '../navigation';
import { trpc } from '../trpc';

const demoAccounts = [
  { email: 'admin@acme.test', role: 'Admin · Acme' },
  { email: 'member@acme.test', role: 'Member · Acme' },
  { email: 'viewer@acme.test', role: 'Viewer · Acme' },
  { email: 'admin@globex.test', role: 'Admin · Globex' },
];

export function LoginPage() {
  useDocumentTitle('Sign in');
  const { search } = useLocation();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const login = trpc.auth.login.useMutation({
    onSuccess(me) {
      sessionHint.set();
      queryClient.clear();
      queryClient.setQueryData(getQueryKey(trpc.auth.me, undefined, 'query'), me);
      const next = search.get('next');
      navigate(next?.startsWith('/') && !next.startsWith('//') ? next : '/people', { replace: true });
    },
  });
  const error = structuredErrorOf(login.error);

  function submit(event: FormEvent) {
    event.preventDefault();
    login.mutate({ email, password });
  }

  return (
    <div className="login-page">
      <main className="login-card">
        <div className="login-brand">
          <span className="workspace-mark" aria-hidden="true">
            C
          </span>
          <span>CRM</span>
        </div>
        <h1>Sign in</h1>
        <p className="muted">Use your work email. Demo accounts use the password demo1234.</p>
        <form onSubmit={submit} className="form" noValidate>
          <label className="field">
            <span className="field-label">Email</span>
            <input
              className="input"
              type="email"
              name="email"
              autoComplete="username"
              required
              value={email}
              onChange={(event) => setEmail(event.target.value)}
              aria-invalid={error ? true : undefined}
            />
          </label>
          <label className="field">
            <span className="field-label">Password</span>
            <input
              className="input"
              type="password"
              name="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(event) => setPassword(event.target.value)}
              aria-invalid={error ? true : undefined}
            />
          </label>
          {login.error ? (
            <p className="field-error" role="alert">
              {error?.code === 'VALIDATION_ERROR'
                ? 'Enter a valid email address and your password.'
                : (error?.message ?? 'The server could not be reached. Try again.')}
            </p>
          ) : null}
          <Button type="submit" variant="primary" busy={login.isPending} className="btn-block">
            Sign in
          </Button>
        </form>
        <div className="demo-accounts">
          <h2 className="eyebrow">Demo accounts</h2>
          <ul>
            {demoAccounts.map((account) => (
              <li key={account.email}>
                <button
                  type="button"
                  className="demo-account"
                  onClick={() => {
                    setEmail(account.email);
                    setPassword('demo1234');
                  }}
                >
                  <span>{account.email}</span>
                  <span className="subtle">{account.role}</span>
                </button>
              </li>
            ))}
          </ul>
        </div>
      </main>
    </div>
  );
}
