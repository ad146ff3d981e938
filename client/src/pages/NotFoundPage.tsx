import { useDocumentTitle } from '../app/document-title';
import { EmptyState } from '../components/ui/States';
import { Link } from '../navigation';

export function NotFoundPage() {
  useDocumentTitle('Page not found');
  return (
    <div className="page">
      <h1 className="visually-hidden">Page not found</h1>
      <div className="panel">
        <EmptyState
          title="Nothing here"
          action={
            <Link className="btn btn-secondary btn-sm" href="/people">
              Go to People
            </Link>
          }
        >
          This address does not match a page of the app.
        </EmptyState>
      </div>
    </div>
  );
}
