import { Page } from '../components/ui';

// Placeholder: to be built.
export function SettingsPage() {
  return <Page title="SettingsPage">{null}</Page>;
}
