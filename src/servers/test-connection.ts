/**
 * Test Connection: connect, EHLO, STARTTLS or TLS as configured, AUTH, QUIT. It never sends mail.
 * A failure names the step and carries the server's answer: `auth: 535 5.7.8 …`.
 */
import { openSmtpSession, socketClosed, type SessionStage } from '../transports/index.js';
import type { SecretBox } from './secret-box.js';
import { openServerSecrets, type OutgoingServer } from './server-record.js';

export type TestResult = { ok: true; detail: string } | { ok: false; stage: SessionStage; message: string };

export async function testConnection(server: OutgoingServer, box: SecretBox, clientName: string, timeoutMs = 15_000): Promise<TestResult> {
  if (server.kind === 'sandbox') return { ok: true, detail: 'sandbox server: mail is kept in the local inbox' };
  if (server.kind === 'direct') return { ok: true, detail: "direct delivery: each recipient domain's MX hosts are looked up and tried when mail goes" };
  const opened = await openSmtpSession(server, openServerSecrets(server, box), { clientName, connectionTimeoutMs: timeoutMs, socketTimeoutMs: timeoutMs });
  if (!opened.ok) return { ok: false, stage: opened.stage, message: `${opened.stage}: ${opened.detail}` };
  const connection = opened.connection;
  const steps = [`connected to ${server.host}:${server.port}`];
  if (connection.secure) steps.push(server.security === 'tls' ? 'TLS' : 'STARTTLS');
  if (server.auth === 'password') steps.push(`authenticated as ${server.username}`);
  if (server.auth === 'certificate') steps.push('client certificate presented');
  const closed = socketClosed(connection);
  connection.quit();
  await closed;
  return { ok: true, detail: steps.join(', ') };
}
