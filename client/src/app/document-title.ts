import { useContext, useEffect } from 'react';
import { SessionContext } from './session';

/** The tab's title names the page first ("People · Acme CRM"), so tabs, history and screen readers tell pages apart. */
export function useDocumentTitle(page: string): void {
  const workspace = useContext(SessionContext)?.workspace.name;
  useEffect(() => {
    document.title = workspace ? `${page} · ${workspace} CRM` : `${page} · CRM`;
  }, [page, workspace]);
}
