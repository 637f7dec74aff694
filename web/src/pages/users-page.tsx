/** Users and API keys: admins see everyone and every key; a sender sees only their own keys. */
import { useApiGet } from '../use-api';
import { useUser } from '../session';
import { Page } from '../components/ui';
import { UsersCard } from '../components/users-table';
import { ApiKeysCard } from '../components/api-keys';
import type { UserView } from '../types';

export function UsersPage() {
  const me = useUser();
  const admin = me.role === 'admin';
  const users = useApiGet<{ users: UserView[] }>(admin ? '/users' : null);

  if (!admin)
    return (
      <Page title="API keys" subtitle="Keys let your programs send mail as you through the HTTP API.">
        <ApiKeysCard users={null} />
      </Page>
    );
  return (
    <Page title="Users & API keys" subtitle="Who can log in, and the keys programs send with.">
      <UsersCard users={users} />
      <ApiKeysCard users={users.data?.users ?? []} />
    </Page>
  );
}
