/**
 * Segments: saved filters over contacts, evaluated in SQL on both databases.
 *
 *   { "match": "all" | "any", "conditions": [
 *       { "field": "country", "op": "eq", "value": "ES" },             custom fields, email, name, time_zone
 *       { "list": "lst_…", "op": "in" | "not_in" },
 *       { "status": "subscribed" },
 *       { "activity": "opened" | "clicked" | "received", "campaign": "any" | "cmp_…",
 *         "withinDays": 30, "op": "has" | "has_not" } ] }
 *
 * Field names are checked against a pattern and values are always bound parameters, so a
 * segment cannot reach outside the contacts it filters.
 *
 * Activity is read from the event log; for a message `postroom prune` has pruned (no events
 * left), from what it keeps: the person's engagements (machine opens and clicks left out, as the
 * events leave them out) and, for "received", its recipients delivered (sent, or complained of).
 */
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import { z } from 'zod';
import type { Database, Store, SegmentRow } from '../store/index.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { InputError, inputErrorFromZod } from '../lib/input-error.js';
import { CONTACT_STATUSES } from './contact-input.js';

const fieldCondition = z.object({
  field: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'is letters, digits and _'),
  op: z.enum(['eq', 'neq', 'contains', 'starts_with', 'gt', 'lt', 'exists', 'not_exists']),
  value: z.union([z.string().max(500), z.number()]).optional(),
});
const listCondition = z.object({ list: z.string().max(100), op: z.enum(['in', 'not_in']).default('in') });
const statusCondition = z.object({ status: z.enum(CONTACT_STATUSES as ['subscribed']) });
const activityCondition = z.object({
  activity: z.enum(['received', 'opened', 'clicked']),
  campaign: z.string().max(100).default('any'),
  withinDays: z.number().int().min(1).max(3650).default(30),
  op: z.enum(['has', 'has_not']).default('has'),
});

export const segmentSchema = z.object({
  match: z.enum(['all', 'any']).default('all'),
  conditions: z.array(z.union([fieldCondition, listCondition, statusCondition, activityCondition])).max(50),
});
export type SegmentDefinition = z.infer<typeof segmentSchema>;

const BUILT_IN: Record<string, 'email' | 'name' | 'time_zone'> = { email: 'email', name: 'name', time_zone: 'time_zone' };
const ACTIVITY_EVENT = { received: 'sent', opened: 'opened', clicked: 'clicked' } as const;
/** For a message whose events `postroom prune` deleted: the person's engagements it keeps instead. */
const ACTIVITY_ENGAGEMENT = { opened: 'open', clicked: 'click' } as const;
/** Recipient states that mean the message was delivered (a complaint or a late bounce came after delivery). */
const RECEIVED_STATUSES = ['sent', 'complained'] as const;

export function parseSegment(input: unknown): SegmentDefinition {
  const parsed = segmentSchema.safeParse(input);
  if (!parsed.success) throw inputErrorFromZod(parsed.error).renamed(`definition.${inputErrorFromZod(parsed.error).field}`);
  for (const [i, c] of parsed.data.conditions.entries()) {
    if ('field' in c && c.op !== 'exists' && c.op !== 'not_exists' && c.value === undefined) throw new InputError(`definition.conditions[${i}].value`, 'is required for this operator');
  }
  return parsed.data;
}

type Eb = ExpressionBuilder<Database, 'contacts'>;

/** The segment as a condition on `contacts`, at time `now`. */
export function segmentCondition(store: Store, definition: SegmentDefinition, now: number) {
  return (eb: Eb): Expression<SqlBool> => {
    const parts = definition.conditions.map((c): Expression<SqlBool> => {
      if ('field' in c) {
        const column = BUILT_IN[c.field];
        const value = column
          ? sql.ref(`contacts.${column}`)
          : store.dialect === 'postgres'
            ? sql`(contacts.fields::jsonb ->> ${c.field})`
            : sql`json_extract(contacts.fields, ${'$.' + c.field})`;
        const text = store.dialect === 'postgres' ? sql`lower(${value}::text)` : sql`lower(${value})`;
        const given = String(c.value ?? '').toLowerCase();
        const escaped = given.replace(/[!%_]/g, (ch) => `!${ch}`);
        switch (c.op) {
          case 'eq':
            return sql<SqlBool>`${text} = ${given}`;
          case 'neq':
            return sql<SqlBool>`(${value} is null or ${text} <> ${given})`;
          case 'contains':
            return sql<SqlBool>`${text} like ${`%${escaped}%`} escape '!'`;
          case 'starts_with':
            return sql<SqlBool>`${text} like ${`${escaped}%`} escape '!'`;
          case 'gt':
          case 'lt': {
            const number = Number(c.value);
            if (Number.isNaN(number)) return sql<SqlBool>`${text} ${sql.raw(c.op === 'gt' ? '>' : '<')} ${given}`;
            const numeric = store.dialect === 'postgres' ? sql`(case when ${value}::text ~ '^-?[0-9]+(\\.[0-9]+)?$' then (${value}::text)::numeric end)` : sql`cast(${value} as real)`;
            return sql<SqlBool>`${numeric} ${sql.raw(c.op === 'gt' ? '>' : '<')} ${number}`;
          }
          case 'exists':
            return sql<SqlBool>`(${value} is not null and ${value} <> '')`;
          case 'not_exists':
            return sql<SqlBool>`(${value} is null or ${value} = '')`;
        }
      }
      if ('list' in c) {
        const member = eb.exists(eb.selectFrom('list_members').select('list_members.contact_id').whereRef('list_members.contact_id', '=', 'contacts.id').where('list_members.list_id', '=', c.list));
        return c.op === 'in' ? member : eb.not(member);
      }
      if ('status' in c) return eb('contacts.status', '=', c.status);
      const since = now - c.withinDays * 86_400_000;
      const ofCampaign = (w: ExpressionBuilder<Database, 'messages'>) => (c.campaign === 'any' ? w('messages.campaign_id', 'is not', null) : w('messages.campaign_id', '=', c.campaign));
      const logged = eb
        .selectFrom('messages')
        .innerJoin('events', 'events.message_id', 'messages.id')
        .select('events.id')
        .whereRef('messages.contact_id', '=', 'contacts.id')
        .where(ofCampaign)
        .where('events.type', '=', ACTIVITY_EVENT[c.activity])
        .where('events.created_at', '>=', since);
      // A pruned message has no events left: its recipients and the person's engagements say the same.
      const pruned =
        c.activity === 'received'
          ? eb
              .selectFrom('messages')
              .innerJoin('recipients', 'recipients.message_id', 'messages.id')
              .select('recipients.id')
              .whereRef('messages.contact_id', '=', 'contacts.id')
              .where(ofCampaign)
              .where('messages.pruned_at', 'is not', null)
              .where('recipients.status', 'in', RECEIVED_STATUSES)
              .where('recipients.updated_at', '>=', since)
          : eb
              .selectFrom('messages')
              .innerJoin('engagements', 'engagements.message_id', 'messages.id')
              .select('engagements.id')
              .whereRef('messages.contact_id', '=', 'contacts.id')
              .where(ofCampaign)
              .where('messages.pruned_at', 'is not', null)
              .where('engagements.kind', '=', ACTIVITY_ENGAGEMENT[c.activity])
              .where('engagements.machine', '=', 0)
              .where('engagements.created_at', '>=', since);
      const any = eb.or([eb.exists(logged), eb.exists(pruned)]);
      return c.op === 'has' ? any : eb.not(any);
    });
    if (parts.length === 0) return sql<SqlBool>`1 = 1`;
    return definition.match === 'all' ? eb.and(parts) : eb.or(parts);
  };
}

/** How many contacts match (all statuses unless the segment names one). */
export async function countSegment(store: Store, definition: SegmentDefinition, now: number): Promise<number> {
  const row = await store.db.selectFrom('contacts').select((eb) => eb.fn.countAll<number>().as('n')).where(segmentCondition(store, definition, now)).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function saveSegment(store: Store, clock: Clock, input: { name: string; definition: unknown }, id?: string): Promise<SegmentRow> {
  const name = input.name.trim();
  if (!name || name.length > 100) throw new InputError('name', 'is required: at most 100 characters');
  const definition = JSON.stringify(parseSegment(input.definition));
  const clash = await store.db.selectFrom('segments').select('id').where('name', '=', name).executeTakeFirst();
  if (clash && clash.id !== id) throw new InputError('name', `a segment named "${name}" already exists`);
  const now = clock.now();
  if (id) {
    await store.db.updateTable('segments').set({ name, definition, updated_at: now }).where('id', '=', id).execute();
    return store.db.selectFrom('segments').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }
  const row: SegmentRow = { id: newId('seg', now), name, definition, created_at: now, updated_at: now };
  await store.db.insertInto('segments').values(row).execute();
  return row;
}

export async function findSegment(store: Store, idOrName: string, field = 'segment'): Promise<SegmentRow> {
  const row = await store.db.selectFrom('segments').selectAll().where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)])).executeTakeFirst();
  if (!row) throw new InputError(field, `no segment "${idOrName}"`);
  return row;
}

export async function listSegments(store: Store): Promise<SegmentRow[]> {
  return store.db.selectFrom('segments').selectAll().orderBy('name').execute();
}
