import { Page } from '../components/ui';

// Placeholder: to be built.
export function DashboardPage() {
  return <Page title="DashboardPage">{null}</Page>;
}
