import { Page } from '../components/ui';

// Placeholder: to be built.
export function SandboxPage() {
  return <Page title="SandboxPage">{null}</Page>;
}
