import { Command, Option } from 'commander';
import { createUser, listUsers, findUser, createApiKey, listApiKeys, revokeApiKey } from '../users/index.js';
import { withApp } from './context.js';
import { oneOf, readEnvFlag } from './flags.js';
import { table } from './output.js';

export function userCommands(): Command {
  const user = new Command('user').description('users of the API and the web UI');
  user
    .command('add')
    .description('add a user')
    .requiredOption('--email <email>', 'login email')
    .addOption(new Option('--role <role>', 'admin or sender').argParser(oneOf('admin', 'sender')).makeOptionMandatory())
    .requiredOption('--password-env <VAR>', 'read the password from this environment variable')
    .action(async (flags: { email: string; role: string; passwordEnv: string }, command: Command) =>
      withApp(command, async (app, out) => {
        const password = readEnvFlag('--password-env', flags.passwordEnv);
        const created = await createUser(app, { email: flags.email, role: flags.role, password });
        out.print(created, () => `added ${created.role} ${created.email} (${created.id})`);
      }),
    );
  user
    .command('list')
    .description('list users')
    .action(async (_flags: unknown, command: Command) =>
      withApp(command, async (app, out) => {
        const users = await listUsers(app.store);
        out.print(users, () => table(['EMAIL', 'ROLE', 'ID'], users.map((u) => [u.email, u.role, u.id])));
      }),
    );
  return user;
}

export function apiKeyCommands(): Command {
  const apikey = new Command('apikey').description('API keys (Authorization: Bearer …)');
  apikey
    .command('create')
    .description('create an API key for a user; the key is printed once')
    .requiredOption('--user <email>', 'the user the key acts as')
    .option('--name <name>', 'what the key is for', 'default')
    .action(async (flags: { user: string; name: string }, command: Command) =>
      withApp(command, async (app, out) => {
        const owner = await findUser(app.store, flags.user, '--user');
        const { key, apiKey } = await createApiKey(app, owner.id, flags.name);
        out.print({ key, ...apiKey }, () => key);
      }),
    );
  apikey
    .command('list')
    .description('list API keys (their first characters only)')
    .option('--user <email>', 'only this user’s keys')
    .action(async (flags: { user?: string }, command: Command) =>
      withApp(command, async (app, out) => {
        const owner = flags.user ? await findUser(app.store, flags.user, '--user') : null;
        const keys = await listApiKeys(app.store, owner?.id);
        out.print(keys, () => table(['ID', 'PREFIX', 'NAME', 'USER', 'REVOKED'], keys.map((k) => [k.id, `${k.prefix}…`, k.name, k.userId, k.revokedAt ?? ''])));
      }),
    );
  apikey
    .command('revoke')
    .description('revoke an API key')
    .argument('<id>')
    .action(async (id: string, _flags: unknown, command: Command) =>
      withApp(command, async (app, out) => {
        const revoked = await revokeApiKey(app, id);
        out.print(revoked, () => `revoked ${revoked.id}`);
      }),
    );
  return apikey;
}
