import { Page } from '../components/ui';

// Placeholder: to be built.
export function CampaignsPage() {
  return <Page title="CampaignsPage">{null}</Page>;
}
