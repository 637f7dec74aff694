/**
 * `Postroom-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, keyed with the
 * endpoint's secret (the whole `whsec_…` string, as UTF-8). The time is signed too, so a receiver
 * can refuse a replayed request: recompute v1 over the body as received, compare in constant
 * time, and check that t is within a few minutes of now.
 */
import { createHmac } from 'node:crypto';

export function signatureHeader(secret: string, body: string, nowMs: number): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}
