/**
 * The relay benchmark's comparison: Debian's Postfix (apt-get install postfix) as a second
 * instance of its own in a temporary directory, smtpd on a loopback port only, accepting from
 * 127.0.0.0/8 into its queue (fsynced before each 250, as Postroom commits before its 250) and
 * discarding instead of delivering, so nothing leaves the machine. Needs root, as Postfix does.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const POSTFIX = '/usr/sbin/postfix';

export interface PostfixInstance {
  port: number;
  stop(): void;
}

export function postfixAvailable(): boolean {
  return existsSync(POSTFIX) && existsSync('/etc/postfix/master.cf') && process.getuid?.() === 0;
}

export function startPostfix(port: number): PostfixInstance {
  const dir = mkdtempSync(path.join(tmpdir(), 'postroom-bench-postfix-'));
  // Postfix's own processes run as the postfix user and must reach the queue and data directories.
  chmodSync(dir, 0o755);
  const conf = path.join(dir, 'conf');
  const data = path.join(dir, 'data');
  for (const d of [conf, path.join(dir, 'queue'), data]) mkdirSync(d);
  const postfixUser = /^postfix:x:(\d+):/m.exec(readFileSync('/etc/passwd', 'utf8'));
  if (postfixUser) chownSync(data, Number(postfixUser[1]), -1);
  writeFileSync(
    path.join(conf, 'main.cf'),
    [
      'compatibility_level = 3.6',
      `queue_directory = ${dir}/queue`,
      `data_directory = ${data}`,
      'inet_interfaces = 127.0.0.1',
      'inet_protocols = ipv4',
      'myhostname = postfix-bench.local',
      'syslog_name = postroom-bench-postfix',
      `maillog_file = ${dir}/maillog`,
      `maillog_file_prefixes = ${dir}`,
      'mydestination =',
      'mynetworks = 127.0.0.0/8',
      'smtpd_relay_restrictions = permit_mynetworks, reject',
      // Accepted into the queue, then thrown away: nothing is delivered anywhere.
      'default_transport = discard',
      'relay_transport = discard',
      'local_transport = discard',
      'smtpd_client_connection_count_limit = 0',
      'smtpd_client_connection_rate_limit = 0',
      'default_process_limit = 100',
      '',
    ].join('\n'),
  );
  const master = readFileSync('/etc/postfix/master.cf', 'utf8').replace(/^smtp\s+inet\s.*$/m, `127.0.0.1:${port} inet n - n - - smtpd`);
  writeFileSync(path.join(conf, 'master.cf'), master);
  copyFileSync('/etc/postfix/dynamicmaps.cf', path.join(conf, 'dynamicmaps.cf'));
  const postfix = (command: string): void => {
    execFileSync(POSTFIX, ['-c', conf, command], { stdio: 'pipe' });
  };
  try {
    postfix('set-permissions');
    postfix('start');
  } catch (error) {
    const log = existsSync(path.join(dir, 'maillog')) ? readFileSync(path.join(dir, 'maillog'), 'utf8').slice(-2000) : '';
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`Postfix did not start: ${(error as Error).message}\n${log}`);
  }
  return {
    port,
    stop() {
      try {
        postfix('stop');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
