import { Page } from '../components/ui';

// Placeholder: to be built.
export function CampaignWizardPage() {
  return <Page title="CampaignWizardPage">{null}</Page>;
}
