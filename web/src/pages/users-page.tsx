import { Page } from '../components/ui';

// Placeholder: to be built.
export function UsersPage() {
  return <Page title="UsersPage">{null}</Page>;
}
