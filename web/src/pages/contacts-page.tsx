import { Page } from '../components/ui';

// Placeholder: to be built.
export function ContactsPage() {
  return <Page title="ContactsPage">{null}</Page>;
}
