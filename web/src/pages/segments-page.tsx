import { Page } from '../components/ui';

// Placeholder: to be built.
export function SegmentsPage() {
  return <Page title="SegmentsPage">{null}</Page>;
}
