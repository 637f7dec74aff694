import { Page } from '../components/ui';

// Placeholder: to be built.
export function EmailDetailPage({ id }: { id: string }) {
  return <Page title="EmailDetailPage">{String(id)}</Page>;
}
