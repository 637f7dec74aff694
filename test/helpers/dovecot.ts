/**
 * Debian's dovecot 2.3 as a throwaway mail server for one test: IMAP and POP3 (plain with STARTTLS,
 * and implicit TLS) on free loopback ports, one passwd-file user, a Maildir in a temp dir, the
 * test CA's server certificate (test/helpers/certs.ts).
 *
 * Dovecot always runs rootless here (its HowTo.Rootless: every service as one user, no chroot).
 * It cannot run that way as root, which this sandbox and CI are: login processes die with "This
 * process must not be run as root", mail processes with "Mail access not allowed for root", and a
 * passwd-file userdb rejects UID 0 (first_valid_uid = 0 does not help). So under root it is started
 * as `nobody` (spawn's uid/gid) with the temp dir chowned to it; otherwise as the current user.
 * One configuration either way. Each instance has its own process group, killed by stop().
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { testCerts } from './certs.js';

export const DOVECOT = process.env.POSTROOM_TEST_DOVECOT ?? '/usr/sbin/dovecot';

/** The one user every dovecot process runs as. */
interface RunAs {
  uid: number;
  gid: number;
  user: string;
  group: string;
}

interface Ports {
  imapPort: number;
  imapsPort: number;
  pop3Port: number;
  pop3sPort: number;
}

export interface Dovecot {
  imapPort: number;
  imapsPort: number;
  pop3Port: number;
  pop3sPort: number;
  user: string;
  password: string;
  /** The CA that signed the server certificate (for 127.0.0.1 and localhost). */
  caCert: string;
  /** Delivers one message into `folder` (default INBOX) the way an MDA does: tmp/, then new/. */
  seed(raw: Buffer | string, folder?: string): void;
  /** How many messages `folder` (default INBOX) holds. */
  list(folder?: string): number;
  stop(): Promise<void>;
}

/**
 * True when dovecot is installed. Otherwise prints a note so the caller can skip, except under
 * CI (CI=true), where a missing dovecot is an error, as scripts/test.mjs does for PostgreSQL.
 */
export function dovecotAvailable(): boolean {
  if (existsSync(DOVECOT)) return true;
  const reason = `${DOVECOT} is missing (apt-get install -y dovecot-imapd dovecot-pop3d)`;
  if (process.env.CI === 'true') throw new Error(`dovecot is required under CI: ${reason}`);
  console.log(`NOTE: skipping the mailbox polling tests: ${reason}.`);
  return false;
}

const running = new Set<ChildProcess>();
// A test process that dies without stop() must not leave a dovecot behind.
process.once('exit', () => running.forEach((child) => killGroup(child, 'SIGKILL')));

export async function startDovecot(): Promise<Dovecot> {
  const version = spawnSync(DOVECOT, ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? '';
  if (!version.startsWith('2.3.')) throw new Error(`${DOVECOT} is version "${version}"; this helper writes a dovecot 2.3 configuration`);
  const runAs = unprivileged();
  const [imapPort, imapsPort, pop3Port, pop3sPort] = await freePorts(4);
  const password = randomBytes(9).toString('hex');
  const certs = await testCerts();
  const dir = mkdtempSync(join(tmpdir(), 'postroom-dovecot-'));
  writeFileSync(join(dir, 'cert.pem'), certs.serverCert);
  writeFileSync(join(dir, 'key.pem'), certs.serverKey, { mode: 0o600 });
  writeFileSync(join(dir, 'passwd'), `bounces:{PLAIN}${password}:${runAs.uid}:${runAs.gid}::${dir}\n`, { mode: 0o600 });
  const ports = { imapPort: imapPort!, imapsPort: imapsPort!, pop3Port: pop3Port!, pop3sPort: pop3sPort! };
  writeFileSync(join(dir, 'dovecot.conf'), dovecotConfig(dir, runAs, ports));
  for (const sub of ['run', 'state', 'Maildir', 'Maildir/cur', 'Maildir/new', 'Maildir/tmp']) mkdirSync(join(dir, sub));
  chownTree(dir, runAs);

  let stderr = '';
  const child = spawn(DOVECOT, ['-F', '-c', join(dir, 'dovecot.conf')], { uid: runAs.uid, gid: runAs.gid, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => (running.delete(child), resolve())));
  const logs = (): string => `${stderr}${readIfExists(join(dir, 'dovecot.log'))}`.slice(-3000);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    // SIGKILL to the whole group: nothing of a test's dovecot needs a clean shutdown, and
    // SIGTERM took 1-3 s here (the master waits on its services, longer right after startup).
    killGroup(child, 'SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.race([waitForPorts(Object.values(ports)), exited.then(() => Promise.reject(new Error('dovecot exited')))]);
  } catch (error) {
    const log = logs();
    await stop();
    throw new Error(`dovecot did not start: ${(error as Error).message}\n${log}`);
  }

  const folderDir = (folder = 'INBOX'): string => (folder === 'INBOX' ? join(dir, 'Maildir') : join(dir, 'Maildir', `.${folder}`));
  let seeded = 0;
  return {
    ...ports,
    user: 'bounces',
    password,
    caCert: certs.caCert,
    seed(raw, folder) {
      const base = folderDir(folder);
      for (const sub of ['', 'cur', 'new', 'tmp']) {
        if (existsSync(join(base, sub))) continue;
        mkdirSync(join(base, sub), { mode: 0o700 });
        chownSync(join(base, sub), runAs.uid, runAs.gid);
      }
      // A Maildir name unique to this delivery: time, pid and a counter, then the host part.
      const name = `${Math.floor(Date.now() / 1000)}.P${process.pid}Q${++seeded}.postroom-test`;
      writeFileSync(join(base, 'tmp', name), raw, { mode: 0o600 });
      chownSync(join(base, 'tmp', name), runAs.uid, runAs.gid);
      renameSync(join(base, 'tmp', name), join(base, 'new', name));
    },
    list(folder) {
      const base = folderDir(folder);
      return ['cur', 'new'].reduce((n, sub) => n + (existsSync(join(base, sub)) ? readdirSync(join(base, sub)).length : 0), 0);
    },
    stop,
  };
}

function unprivileged(): RunAs {
  const uid = process.getuid!();
  if (uid !== 0) return { uid, gid: process.getgid!(), user: userInfo().username, group: groupName(process.getgid!()) };
  const nobody = readFileSync('/etc/passwd', 'utf8').split('\n').find((line) => line.startsWith('nobody:'))?.split(':');
  if (!nobody) throw new Error('running as root, dovecot needs an unprivileged user, but /etc/passwd has no "nobody"');
  return { uid: Number(nobody[2]), gid: Number(nobody[3]), user: 'nobody', group: groupName(Number(nobody[3])) };
}

function groupName(gid: number): string {
  const line = readFileSync('/etc/group', 'utf8').split('\n').find((entry) => entry.split(':')[2] === String(gid));
  if (!line) throw new Error(`dovecot needs a group name for gid ${gid}, and /etc/group has none`);
  return line.split(':')[0]!;
}

function chownTree(path: string, runAs: RunAs): void {
  chownSync(path, runAs.uid, runAs.gid);
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.isDirectory()) chownTree(join(path, entry.name), runAs);
    else chownSync(join(path, entry.name), runAs.uid, runAs.gid);
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // the group is gone already
  }
}

function readIfExists(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

/** Ports the kernel picked for sockets bound to port 0, all held open at once so they differ. */
async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))));
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

async function waitForPorts(ports: number[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const port of ports) {
    while (!(await canConnect(port))) {
      if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/**
 * Dovecot 2.3 syntax (2.4, in Debian 13, renamed most of these). Loopback connections count as
 * secured, so cleartext AUTH works without TLS; disable_plaintext_auth = no says so anyway.
 * auth_failure_delay = 0: a wrong password answers at once instead of after 2 s.
 */
function dovecotConfig(dir: string, runAs: RunAs, ports: Ports): string {
  return `base_dir = ${dir}/run
state_dir = ${dir}/state
instance_name = postroom-test-${ports.imapPort}
log_path = ${dir}/dovecot.log
protocols = imap pop3
listen = 127.0.0.1
default_internal_user = ${runAs.user}
default_internal_group = ${runAs.group}
default_login_user = ${runAs.user}
first_valid_uid = ${runAs.uid}
first_valid_gid = ${runAs.gid}
ssl = yes
ssl_cert = <${dir}/cert.pem
ssl_key = <${dir}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:${dir}/Maildir
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%u ${dir}/passwd
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
  inet_listener imap {
    port = ${ports.imapPort}
  }
  inet_listener imaps {
    port = ${ports.imapsPort}
  }
}
service pop3-login {
  chroot =
  inet_listener pop3 {
    port = ${ports.pop3Port}
  }
  inet_listener pop3s {
    port = ${ports.pop3sPort}
  }
}
`;
}
