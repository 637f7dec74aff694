/**
 * The check at send time: which of a batch's addresses are suppressed, and for what. One query
 * per batch of claimed recipients. An entry whose end has passed no longer applies.
 */
import type { Kysely } from 'kysely';
import type { Database, SuppressionRow } from '../store/index.js';

export async function findSuppressions(db: Kysely<Database>, addresses: string[], now: number): Promise<Map<string, SuppressionRow[]>> {
  const found = new Map<string, SuppressionRow[]>();
  const wanted = [...new Set(addresses.map((a) => a.toLowerCase()))];
  for (let i = 0; i < wanted.length; i += 500) {
    const rows = await db
      .selectFrom('suppressions')
      .selectAll()
      .where('address', 'in', wanted.slice(i, i + 500))
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .execute();
    for (const row of rows) found.set(row.address, [...(found.get(row.address) ?? []), row]);
  }
  return found;
}

/** Why `address` must not get this message, or null: a global entry, or one for a list the campaign sends to. */
export function suppressionFor(entries: SuppressionRow[] | undefined, listIds: readonly string[]): SuppressionRow | null {
  if (!entries) return null;
  return entries.find((e) => e.scope === '') ?? entries.find((e) => listIds.includes(e.scope)) ?? null;
}

export function describeSuppression(entry: SuppressionRow): string {
  const scope = entry.scope === '' ? '' : ` for list ${entry.scope}`;
  return `suppressed${scope}: ${entry.reason}${entry.detail ? ` (${entry.detail})` : ''}`;
}
