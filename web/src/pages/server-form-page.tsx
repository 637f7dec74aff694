import { Page } from '../components/ui';

// Placeholder: to be built.
export function ServerFormPage({ id }: { id: string | null }) {
  return <Page title="ServerFormPage">{String(id)}</Page>;
}
