/**
 * `postroom smtp-credential` from the command line: `create --json` gives the username and the
 * password an application needs, and they log in to the relay of `postroom serve`; `list` shows
 * the login without its password; after `revoke`, the relay refuses it. Bad input names the flag.
 */
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { assertBuilt, cli, newDataDir, ok, okJson, startCli, waitFor, type Child } from './run-cli.js';

describe('postroom smtp-credential', () => {
  const data = newDataDir();
  let serve: Child | undefined;
  beforeAll(() => assertBuilt());
  afterAll(async () => {
    serve?.kill();
    await serve?.exited;
    data.remove();
  });

  it('creates a login whose --json password logs in to the relay, lists it and revokes it', async () => {
    await ok(data.dir, ['user', 'add', '--email', 'erp@shop.example', '--role', 'sender', '--password-env', 'ERP_PASSWORD'], { env: { ERP_PASSWORD: 'a long password 1' } });
    const created = await okJson<{ id: string; username: string; password: string; allowedFrom: string[]; lane: string; track: { opens: boolean; clicks: boolean } }>(data.dir, [
      '--json', 'smtp-credential', 'create', '--user', 'erp@shop.example', '--name', 'ERP', '--allow-from', 'orders@shop.example, shop.example', '--lane', 'bulk', '--track-clicks',
    ]);
    expect(created.username).toMatch(/^smtp_[a-z0-9]{12}$/);
    expect(created.password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({ allowedFrom: ['orders@shop.example', 'shop.example'], lane: 'bulk', track: { opens: false, clicks: true } });

    const listed = await ok(data.dir, ['smtp-credential', 'list']);
    expect(listed).toContain(created.username);
    expect(listed).not.toContain(created.password);
    expect(listed.split('\n')[1]).toMatch(new RegExp(`^${created.username}\\s+ERP\\s+orders@shop\\.example, shop\\.example\\s+bulk\\s+clicks(\\s|$)`));

    const port = await freePort();
    serve = startCli(data.dir, ['serve', '--no-workers', '--http', '127.0.0.1:0', '--inbound', 'off', '--smtp', `127.0.0.1:${port}`]);
    await waitFor(async () => (serve!.stdout().includes('SMTP relay for applications') ? true : undefined), 20_000, `serve to start: ${serve.stderr()}`);
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, auth: { user: created.username, pass: created.password } });
    const info = await transport.sendMail({ from: 'orders@shop.example', to: 'anna@example.org', subject: 'Order 1', text: 'Thank you.' });
    expect(info.response).toMatch(/^250 2\.0\.0 Ok: queued as msg_/);
    transport.close();

    expect(await ok(data.dir, ['smtp-credential', 'revoke', created.username])).toBe(`revoked ${created.username}\n`);
    const again = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, auth: { user: created.username, pass: created.password } });
    await expect(again.sendMail({ from: 'orders@shop.example', to: 'anna@example.org', subject: 'Order 2', text: 'Again.' })).rejects.toMatchObject({ responseCode: 535 });
    again.close();
  });

  it('names the flag of bad input and writes nothing', async () => {
    const unknown = await cli(data.dir, ['smtp-credential', 'create', '--user', 'nobody@example.com']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error: --user: /);
    const lane = await cli(data.dir, ['smtp-credential', 'create', '--user', 'erp@shop.example', '--lane', 'fast']);
    expect(lane.code).toBe(2);
    expect(lane.stderr).toContain('--lane');
    const from = await cli(data.dir, ['smtp-credential', 'create', '--user', 'erp@shop.example', '--allow-from', '*']);
    expect(from.code).toBe(1);
    expect(from.stderr).toMatch(/^error: (--allow-from|allowFrom): /);
  });
});
