import { Page } from '../components/ui';

// Placeholder: to be built.
export function TemplatesPage() {
  return <Page title="TemplatesPage">{null}</Page>;
}
