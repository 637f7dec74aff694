import { Command } from 'commander';
import { getSettings } from '../servers/index.js';
import {
  addDomain,
  createDnsLookup,
  dnsOptionsOf,
  domainKeys,
  domainRecords,
  findDomain,
  listDomains,
  removeDomain,
  rotateDomainKey,
  verifyDomain,
  zoneLine,
  type DkimAlgorithm,
} from '../domains/index.js';
import type { App } from '../app/open-app.js';
import { withApp } from './context.js';
import { table, time } from './output.js';

const dnsFor = (app: App, override?: string) => createDnsLookup(dnsOptionsOf(app.config.dns, override));

async function domainView(app: App, name: string) {
  const domain = await findDomain(app.store, name);
  const keys = await domainKeys(app.store, domain.id);
  return {
    id: domain.id,
    name: domain.name,
    keys: keys.map((k) => ({ selector: k.selector, algorithm: k.algorithm, state: k.state, createdAt: new Date(Number(k.created_at)).toISOString() })),
    checkedAt: domain.checked_at === null ? null : new Date(Number(domain.checked_at)).toISOString(),
  };
}

export function domainCommands(): Command {
  const domain = new Command('domain').description('sending domains: DKIM keys, the DNS records to publish, live DNS checks');

  domain
    .command('add')
    .description('add a sending domain with a new DKIM key (RSA-2048 unless --algorithm ed25519); mail from it is signed at once')
    .argument('<name>', 'the domain, like example.com')
    .option('--selector <selector>', 'the DKIM selector (default: pr and the year and month)')
    .option('--algorithm <algorithm>', 'rsa or ed25519', 'rsa')
    .action(async (name: string, flags: { selector?: string; algorithm: string }, command: Command) =>
      withApp(command, async (app, out) => {
        const row = await addDomain(app, { name, selector: flags.selector, algorithm: flags.algorithm as DkimAlgorithm });
        const view = await domainView(app, row.id);
        out.print(view, () => `added ${view.name} with DKIM selector ${view.keys[0]?.selector} (${view.keys[0]?.algorithm}); publish its records: postroom domain records ${view.name}`);
      }),
    );

  domain
    .command('list')
    .description('the sending domains with their keys')
    .action(async (_flags: unknown, command: Command) =>
      withApp(command, async (app, out) => {
        const views = await Promise.all((await listDomains(app.store)).map((d) => domainView(app, d.id)));
        out.print(views, () =>
          views.length === 0
            ? 'no sending domains (add one: postroom domain add example.com)'
            : table(
                ['DOMAIN', 'SELECTOR', 'ALGORITHM', 'STATE', 'LAST CHECK'],
                views.flatMap((v) => v.keys.map((k, i) => [i === 0 ? v.name : '', k.selector, k.algorithm, k.state, i === 0 ? time(v.checkedAt ? Date.parse(v.checkedAt) : null) : ''])),
              ),
        );
      }),
    );

  domain
    .command('records')
    .description('the DNS records to publish: DKIM, SPF (merged with the one published), DMARC, return path and tracking')
    .argument('<name>')
    .option('--dns <host:port>', 'DNS server to read the published SPF record from (default: the configured one)')
    .action(async (name: string, flags: { dns?: string }, command: Command) =>
      withApp(command, async (app, out) => {
        const row = await findDomain(app.store, name);
        const records = await domainRecords(row, await domainKeys(app.store, row.id), await getSettings(app.store), dnsFor(app, flags.dns));
        out.print(records, () =>
          records
            .map((r) => [`# ${r.kind.toUpperCase()}: ${r.note}`, ...r.warnings.map((w) => `# warning: ${w}`), r.value ? zoneLine(r) : `# (nothing to publish yet)`].join('\n'))
            .join('\n\n'),
        );
      }),
    );

  domain
    .command('check')
    .description('check the published records live: one line per record with the reason; exit status 1 when one fails')
    .argument('<name>')
    .option('--dns <host:port>', 'DNS server to ask (default: the configured one, else the system resolver)')
    .action(async (name: string, flags: { dns?: string }, command: Command) =>
      withApp(command, async (app, out) => {
        const result = await verifyDomain(app, name, dnsFor(app, flags.dns));
        out.print(result, () =>
          [
            ...result.checks.map((c) => `${c.status === 'ok' ? 'ok  ' : c.status === 'warn' ? 'warn' : 'FAIL'}  ${c.kind.padEnd(11)} ${c.name}: ${c.reason}`),
            result.switchedTo ? `signing switched to the new key ${result.switchedTo}` : null,
            result.ok ? `${result.domain}: ready` : `${result.domain}: not ready`,
          ]
            .filter((line) => line !== null)
            .join('\n'),
        );
        if (!result.ok) process.exitCode = 1;
      }),
    );

  domain
    .command('rotate')
    .description('make a new DKIM key under a new selector; publish it, and the next check that finds it switches signing to it')
    .argument('<name>')
    .option('--selector <selector>', 'the new selector')
    .option('--algorithm <algorithm>', 'rsa or ed25519 (default: as the current key)')
    .action(async (name: string, flags: { selector?: string; algorithm?: string }, command: Command) =>
      withApp(command, async (app, out) => {
        const row = await findDomain(app.store, name);
        const key = await rotateDomainKey(app, row.id, { selector: flags.selector, algorithm: flags.algorithm as DkimAlgorithm | undefined });
        const view = await domainView(app, row.id);
        out.print(view, () => `new key ${key.selector} (${key.algorithm}) is ${key.state}; publish it (postroom domain records ${row.name}), then run postroom domain check ${row.name}`);
      }),
    );

  domain
    .command('remove')
    .description('remove a sending domain and its keys (mail from it is no longer signed)')
    .argument('<name>')
    .action(async (name: string, _flags: unknown, command: Command) =>
      withApp(command, async (app, out) => {
        const row = await findDomain(app.store, name);
        await removeDomain(app.store, row.id);
        out.print({ removed: row.name }, () => `removed ${row.name}`);
      }),
    );
  return domain;
}
