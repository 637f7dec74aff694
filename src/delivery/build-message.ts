/**
 * The bytes an attempt sends: the stored message with its From rewritten where it must be, then
 * DKIM-signed with the key of the From domain it finally carries.
 *
 * From is rewritten to `{default_from}@{domain_alias}` (the original moving to Reply-To) when
 * routing found no server for the original From, or when the From domain publishes DMARC
 * `p=quarantine` / `p=reject` and Postroom has no key for it: unsigned mail from such a domain is
 * what DMARC tells receivers to junk or refuse (RFC 7489 §6.3), while mail from our own aligned
 * domain arrives. The note says why, and lands in the attempt's event.
 */
import type { Attempt } from './deliver-attempt.js';
import { rewriteFrom } from './rewrite-from.js';
import type { SendingDomains } from '../domains/sending-domains.js';

export interface BuiltMessage {
  /** MAIL FROM. */
  envelopeFrom: string;
  raw: Buffer;
  note: string | null;
}

export interface BuildContext {
  domains: SendingDomains;
  settings: { domainAlias: string | null; defaultFrom: string | null };
  now: number;
}

const domainOf = (address: string): string => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

export async function buildMessage(ctx: BuildContext, attempt: Attempt, routedFrom: string | null): Promise<BuiltMessage> {
  const original = attempt.message.from_address;
  let from = routedFrom ?? original;
  let raw = routedFrom ? rewriteFrom(attempt.raw, routedFrom) : attempt.raw;
  let note = routedFrom ? `From rewritten to ${routedFrom}: no active server accepts ${original}` : null;

  let key = ctx.domains.keyFor(domainOf(from));
  const alias = ctx.settings.domainAlias && ctx.settings.defaultFrom ? `${ctx.settings.defaultFrom}@${ctx.settings.domainAlias}` : null;
  if (!key && !routedFrom && alias) {
    const policy = await ctx.domains.dmarcPolicy(domainOf(original));
    if (policy && policy.policy !== 'none') {
      from = alias;
      raw = rewriteFrom(raw, alias);
      key = ctx.domains.keyFor(domainOf(alias));
      note = `From rewritten to ${alias} (the original in Reply-To): ${domainOf(original)} publishes DMARC p=${policy.policy} and Postroom has no DKIM key for it`;
    }
  }
  if (key) raw = await ctx.domains.sign(raw, key, ctx.now);
  return { envelopeFrom: from, raw, note };
}
