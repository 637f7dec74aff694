import { Command, Option } from 'commander';
import { createSmtpCredential, findUser, listSmtpCredentials, revokeSmtpCredential } from '../users/index.js';
import { withApp } from './context.js';
import { oneOf } from './flags.js';
import { table } from './output.js';

/** `postroom smtp-credential …`: logins for the SMTP relay, one per application. */
export function smtpCredentialCommands(): Command {
  const credential = new Command('smtp-credential').description('SMTP relay logins for applications (separate from login passwords; the password is shown once)');
  credential
    .command('create')
    .description('create a relay login for a user; prints the username and the password once')
    .requiredOption('--user <email>', 'the user whose mail it sends')
    .option('--name <name>', 'what it is for (e.g. "ERP")', 'SMTP relay')
    .option('--allow-from <list>', 'From addresses and domains it may send as, comma-separated (default: the domain of the user\'s address)')
    .addOption(new Option('--lane <lane>', 'transactional (claimed first) or bulk').argParser(oneOf('transactional', 'bulk')).default('transactional'))
    .option('--server <name>', 'send all its mail through this server instead of routing by From')
    .option('--track-opens', 'add the open pixel to the HTML of its messages (a message\'s X-Postroom-Track header overrides it)')
    .option('--track-clicks', 'turn the links in the HTML of its messages into click links')
    .action(async (flags: { user: string; name: string; allowFrom?: string; lane: 'transactional' | 'bulk'; server?: string; trackOpens?: boolean; trackClicks?: boolean }, command: Command) =>
      withApp(command, async (app, out) => {
        const owner = await findUser(app.store, flags.user, '--user');
        const { password, credential: created } = await createSmtpCredential(app, owner.id, { name: flags.name, allowFrom: flags.allowFrom, lane: flags.lane, server: flags.server, trackOpens: !!flags.trackOpens, trackClicks: !!flags.trackClicks });
        out.print({ ...created, password }, () =>
          [
            `created SMTP credential ${created.id} for ${owner.email}`,
            `  username: ${created.username}`,
            `  password: ${password}   (shown once)`,
            `  may send as: ${created.allowedFrom.join(', ')}; lane ${created.lane}${created.server ? `; through ${created.server}` : ''}${trackingText(created.track)}`,
          ].join('\n'),
        );
      }),
    );
  credential
    .command('list')
    .description('list relay logins')
    .option('--user <email>', 'only this user’s')
    .action(async (flags: { user?: string }, command: Command) =>
      withApp(command, async (app, out) => {
        const owner = flags.user ? await findUser(app.store, flags.user, '--user') : null;
        const all = await listSmtpCredentials(app.store, owner?.id);
        out.print(all, () =>
          table(
            ['USERNAME', 'NAME', 'MAY SEND AS', 'LANE', 'SERVER', 'TRACKS', 'LAST USED', 'REVOKED'],
            all.map((c) => [c.username, c.name, c.allowedFrom.join(', '), c.lane, c.server ?? '', tracked(c.track), c.lastUsedAt ?? '', c.revokedAt ?? '']),
          ),
        );
      }),
    );
  credential
    .command('revoke')
    .description('revoke a relay login (by id or username); its sessions are refused from their next message')
    .argument('<id-or-username>')
    .action(async (id: string, _flags: unknown, command: Command) =>
      withApp(command, async (app, out) => {
        const revoked = await revokeSmtpCredential(app, id);
        out.print(revoked, () => `revoked ${revoked.username}`);
      }),
    );
  return credential;
}

const tracked = (track: { opens: boolean; clicks: boolean }): string => [track.opens ? 'opens' : '', track.clicks ? 'clicks' : ''].filter(Boolean).join(', ');
const trackingText = (track: { opens: boolean; clicks: boolean }): string => (tracked(track) ? `; tracks ${tracked(track)}` : '');
