import { Page } from '../components/ui';

// Placeholder: to be built.
export function ContactDetailPage({ id }: { id: string }) {
  return <Page title="ContactDetailPage">{String(id)}</Page>;
}
