/** Users, API keys and SMTP relay logins: admins see everyone and every key and login; a sender sees only their own. */
import { useApiGet } from '../use-api';
import { useUser } from '../session';
import { Page } from '../components/ui';
import { UsersCard } from '../components/users-table';
import { ApiKeysCard } from '../components/api-keys';
import { SmtpCredentialsCard } from '../components/smtp-credentials';
import type { UserView } from '../types';

export function UsersPage() {
  const me = useUser();
  const admin = me.role === 'admin';
  const users = useApiGet<{ users: UserView[] }>(admin ? '/users' : null);

  if (!admin)
    return (
      <Page title="API keys & SMTP logins" subtitle="Keys let your programs send mail as you through the HTTP API; SMTP logins let applications send through the relay.">
        <ApiKeysCard users={null} />
        <SmtpCredentialsCard users={null} />
      </Page>
    );
  return (
    <Page title="Users, API keys & SMTP logins" subtitle="Who can log in, the keys programs send with, and the logins applications use for the SMTP relay.">
      <UsersCard users={users} />
      <ApiKeysCard users={users.data?.users ?? []} />
      <SmtpCredentialsCard users={users.data?.users ?? []} />
    </Page>
  );
}
