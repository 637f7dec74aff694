import { Page } from '../components/ui';

// Placeholder: to be built.
export function CampaignPage({ id }: { id: string }) {
  return <Page title="CampaignPage">{String(id)}</Page>;
}
