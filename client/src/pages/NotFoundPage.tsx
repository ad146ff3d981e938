import { EmptyState } from '../components/ui/States';
import { Link } from '../navigation';

export function NotFoundPage() {
  return (
    <div className="page">
      <EmptyState title="Nothing here" action={<Link href="/people">Go to People</Link>}>
        This address does not match a page of the app.
      </EmptyState>
    </div>
  );
}
