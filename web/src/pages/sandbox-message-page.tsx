import { Page } from '../components/ui';

// Placeholder: to be built.
export function SandboxMessagePage({ id }: { id: string }) {
  return <Page title="SandboxMessagePage">{String(id)}</Page>;
}
