import { Page } from '../components/ui';

// Placeholder: to be built.
export function ServersPage() {
  return <Page title="ServersPage">{null}</Page>;
}
