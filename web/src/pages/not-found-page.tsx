import { Link } from '../router';
import { Page } from '../components/ui';

/** Shown for an unknown address and for anything the API answers 404 — including another user's message. */
export function NotFoundPage({ what = 'page' }: { what?: string }) {
  return (
    <Page title="Not found">
      <div className="state-empty">
        <p>This {what} does not exist, or you may not see it.</p>
        <p>
          <Link to="/">Back to the dashboard</Link>
        </p>
      </div>
    </Page>
  );
}
