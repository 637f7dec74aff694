/**
 * The addresses the inbound listener takes mail for — all at the bounce domain, none elsewhere:
 *
 *   bounce, bounce+TOKEN   bounces (VERP return paths; a token that does not verify is still
 *                          taken: the report is matched by its Message-ID instead)
 *   unsubscribe+TOKEN      mailto unsubscribes (List-Unsubscribe, RFC 2369); the token must verify
 *   fbl, abuse             complaint feedback loops mailbox providers are told to send to
 *   postmaster             required of any domain that receives mail (RFC 5321 §4.5.1)
 *
 * Everything else is refused, so the listener can never relay: it never forwards anything, and
 * it does not even accept what it would have to forward.
 */
export type InboundRole = 'bounce' | 'unsubscribe' | 'feedback';

export function inboundRole(address: string, bounceDomain: string | null): InboundRole | null {
  if (!bounceDomain) return null;
  const at = address.lastIndexOf('@');
  if (at <= 0) return null;
  if (address.slice(at + 1).toLowerCase() !== bounceDomain.toLowerCase()) return null;
  const local = address.slice(0, at).toLowerCase();
  // Quoted local parts, source routes and %-hacks are not ours: only plain dot-atoms.
  if (!/^[a-z0-9._+-]+$/.test(local)) return null;
  if (local === 'bounce' || local.startsWith('bounce+')) return 'bounce';
  if (local.startsWith('unsubscribe+')) return 'unsubscribe';
  if (local === 'fbl' || local === 'abuse' || local === 'postmaster') return 'feedback';
  return null;
}
