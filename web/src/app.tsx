/** Which page a URL shows, behind login and the first-run password change. */
import type { ReactNode } from 'react';
import { match, useLocation } from './router';
import { useSession } from './session';
import { Layout } from './layout';
import { LiveEventsProvider } from './live-events';
import { DeliveryNotices } from './notices';
import { Loading } from './components/ui';
import { LoginPage } from './pages/login-page';
import { ChangePasswordPage } from './pages/change-password-page';
import { NotFoundPage } from './pages/not-found-page';
import { DashboardPage } from './pages/dashboard-page';
import { EmailsPage } from './pages/emails-page';
import { EmailDetailPage } from './pages/email-detail-page';
import { SandboxPage } from './pages/sandbox-page';
import { SandboxMessagePage } from './pages/sandbox-message-page';
import { ServersPage } from './pages/servers-page';
import { ServerFormPage } from './pages/server-form-page';
import { SettingsPage } from './pages/settings-page';
import { UsersPage } from './pages/users-page';
import { ContactsPage } from './pages/contacts-page';
import { ContactDetailPage } from './pages/contact-detail-page';
import { SegmentsPage } from './pages/segments-page';
import { TemplatesPage } from './pages/templates-page';
import { TemplateEditorPage } from './pages/template-editor-page';
import { CampaignsPage } from './pages/campaigns-page';
import { CampaignWizardPage } from './pages/campaign-wizard-page';
import { CampaignPage } from './pages/campaign-page';
import { DomainsPage } from './pages/domains-page';
import { DomainPage } from './pages/domain-page';
import { SuppressionsPage } from './pages/suppressions-page';

type Route = [pattern: string, render: (params: Record<string, string>) => ReactNode, adminOnly?: boolean];

const ROUTES: Route[] = [
  ['/', () => <DashboardPage />],
  ['/emails', () => <EmailsPage />],
  ['/emails/:id', (p) => <EmailDetailPage key={p.id} id={p.id!} />],
  ['/campaigns', () => <CampaignsPage />],
  ['/campaigns/new', () => <CampaignWizardPage />],
  ['/campaigns/:id', (p) => <CampaignPage key={p.id} id={p.id!} />],
  ['/contacts', () => <ContactsPage />],
  ['/contacts/:id', (p) => <ContactDetailPage key={p.id} id={p.id!} />],
  ['/segments', () => <SegmentsPage />],
  ['/templates', () => <TemplatesPage />],
  ['/templates/new', () => <TemplateEditorPage key="new" id={null} />],
  ['/templates/:id', (p) => <TemplateEditorPage key={p.id} id={p.id!} />],
  ['/domains', () => <DomainsPage />],
  ['/domains/:id', (p) => <DomainPage key={p.id} id={p.id!} />],
  ['/sandbox', () => <SandboxPage />],
  ['/sandbox/:id', (p) => <SandboxMessagePage key={p.id} id={p.id!} />],
  ['/suppressions', () => <SuppressionsPage />, true],
  ['/servers', () => <ServersPage />, true],
  ['/servers/new', () => <ServerFormPage key="new" id={null} />, true],
  ['/servers/:id', (p) => <ServerFormPage key={p.id} id={p.id!} />, true],
  ['/settings', () => <SettingsPage />, true],
  ['/users', () => <UsersPage />],
];

function CurrentPage({ admin }: { admin: boolean }) {
  const { path } = useLocation();
  for (const [pattern, render, adminOnly] of ROUTES) {
    const params = match(pattern, path);
    if (params && (!adminOnly || admin)) return <>{render(params)}</>;
  }
  return <NotFoundPage />;
}

export function App() {
  const { user, loading } = useSession();
  if (loading) return <Loading what="Starting" />;
  if (!user) return <LoginPage />;
  if (user.mustChangePassword) return <ChangePasswordPage />;
  return (
    <LiveEventsProvider>
      <DeliveryNotices />
      <Layout>
        <CurrentPage admin={user.role === 'admin'} />
      </Layout>
    </LiveEventsProvider>
  );
}
