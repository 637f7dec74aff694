import { Page } from '../components/ui';

// Placeholder: to be built.
export function EmailsPage() {
  return <Page title="EmailsPage">{null}</Page>;
}
