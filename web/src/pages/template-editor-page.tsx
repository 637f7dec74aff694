import { Page } from '../components/ui';

// Placeholder: to be built.
export function TemplateEditorPage({ id }: { id: string | null }) {
  return <Page title="TemplateEditorPage">{String(id)}</Page>;
}
