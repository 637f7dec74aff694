/** Templates: create, change, find, list. Saving compiles (see compile-template.ts). */
import type { Store, TemplateRow } from '../store/index.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { InputError } from '../lib/input-error.js';
import { compileTemplate, type TemplateInput } from './compile-template.js';

export async function createTemplate(store: Store, clock: Clock, input: TemplateInput): Promise<TemplateRow> {
  const compiled = await compileTemplate(input);
  const clash = await store.db.selectFrom('templates').select('id').where('name', '=', compiled.name).executeTakeFirst();
  if (clash) throw new InputError('name', `a template named "${compiled.name}" already exists`);
  const now = clock.now();
  const row: TemplateRow = {
    id: newId('tpl', now),
    name: compiled.name,
    format: compiled.format,
    subject: compiled.subject,
    source: compiled.source,
    text: compiled.text,
    html: compiled.html,
    text_generated: compiled.textGenerated,
    created_at: now,
    updated_at: now,
  };
  await store.db.insertInto('templates').values(row).execute();
  return row;
}

export async function updateTemplate(store: Store, clock: Clock, id: string, change: Partial<TemplateInput>): Promise<TemplateRow> {
  const current = await findTemplate(store, id);
  const compiled = await compileTemplate({
    name: change.name ?? current.name,
    format: change.format ?? current.format,
    subject: change.subject ?? current.subject,
    source: change.source ?? current.source,
    text: change.text === undefined ? current.text : change.text,
  });
  if (compiled.name !== current.name) {
    const clash = await store.db.selectFrom('templates').select('id').where('name', '=', compiled.name).executeTakeFirst();
    if (clash) throw new InputError('name', `a template named "${compiled.name}" already exists`);
  }
  const values = { name: compiled.name, format: compiled.format, subject: compiled.subject, source: compiled.source, text: compiled.text, html: compiled.html, text_generated: compiled.textGenerated, updated_at: clock.now() };
  await store.db.updateTable('templates').set(values).where('id', '=', current.id).execute();
  return { ...current, ...values };
}

export async function findTemplate(store: Store, idOrName: string, field = 'template'): Promise<TemplateRow> {
  const row = await store.db.selectFrom('templates').selectAll().where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)])).executeTakeFirst();
  if (!row) throw new InputError(field, `no template "${idOrName}"`);
  return row;
}

export async function listTemplates(store: Store): Promise<TemplateRow[]> {
  return store.db.selectFrom('templates').selectAll().orderBy('name').execute();
}
