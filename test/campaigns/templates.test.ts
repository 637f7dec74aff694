/**
 * Templates: Liquid merge tags with defaults, merged values escaped in HTML, CSS inlined, a text
 * part made from the HTML, MJML, syntax errors reported on save with line and column, and each
 * contact's render holding that contact's values only.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../helpers/engine.js';
import { compileTemplate, contactScope, createTemplate, findTemplate, prepareTemplate, renderTemplate, updateTemplate } from '../../src/campaigns/index.js';
import { InputError } from '../../src/lib/input-error.js';

const contact = (email: string, name: string, fields: Record<string, unknown> = {}) => ({ email, name, fields: JSON.stringify(fields), time_zone: null });

async function errorOf(promise: Promise<unknown>): Promise<InputError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

describe('templates', () => {
  let engine: Engine | undefined;
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
  });

  it('merges contact fields with defaults, escapes them in HTML, inlines CSS and makes a text part', async () => {
    const compiled = await compileTemplate({
      name: 'Welcome',
      subject: 'Hello {{ contact.first_name | default: "there" }}',
      source: '<style>p { color: #333; } .big { font-size: 20px }</style><h1>Hi {{ contact.first_name | default: "there" }}</h1><p class="big">Your plan: {{ contact.plan }}</p><p><a href="https://example.com/u?e={{ contact.email | url_encode }}">Manage</a></p>',
    });
    expect(compiled.html).toContain('<p class="big" style="color: #333; font-size: 20px;">');
    expect(compiled.html).not.toContain('<style>');
    expect(compiled.textGenerated).toContain('Hi {{ contact.first_name | default: "there" }}');
    const prepared = prepareTemplate({ subject: compiled.subject, html: compiled.html, text: compiled.text, text_generated: compiled.textGenerated });

    const ana = renderTemplate(prepared, contactScope(contact('ana@example.com', 'Ana Pérez', { plan: 'Pro <b>&</b>' })));
    expect(ana.subject).toBe('Hello Ana');
    expect(ana.html).toContain('<h1>Hi Ana</h1>');
    expect(ana.html).toContain('Your plan: Pro &lt;b&gt;&amp;&lt;/b&gt;');
    expect(ana.html).toContain('href="https://example.com/u?e=ana%40example.com"');
    expect(ana.text).toMatch(/Hi Ana\n/);
    expect(ana.text).toContain('Your plan: Pro <b>&</b>');
    expect(ana.text).toContain('Manage [https://example.com/u?e=ana%40example.com]');

    const nameless = renderTemplate(prepared, contactScope(contact('x@example.com', '')));
    expect(nameless.subject).toBe('Hello there');
    // A value cannot add a header line to the subject.
    const sly = renderTemplate(prepared, contactScope(contact('s@example.com', 'Sly\r\nBcc: all@example.com')));
    expect(sly.subject).not.toMatch(/[\r\n]/);
  });

  it('gives each contact their own values and nothing of anyone else', async () => {
    const compiled = await compileTemplate({ name: 'T', subject: 'For {{ contact.email }}', source: '<p>{{ contact.name }} / {{ contact.code }}{% if contact.vip %} VIP{% endif %}</p>', text: 'Code {{ contact.code }}' });
    const prepared = prepareTemplate({ subject: compiled.subject, html: compiled.html, text: compiled.text, text_generated: compiled.textGenerated });
    const people = Array.from({ length: 200 }, (_, n) => contact(`p${n}@example.com`, `Person ${n}`, n % 2 ? { code: `C${n}`, vip: true } : { code: `C${n}` }));
    for (const [n, person] of people.entries()) {
      const out = renderTemplate(prepared, contactScope(person));
      expect(out.subject).toBe(`For p${n}@example.com`);
      expect(out.html).toBe(`<p>Person ${n} / C${n}${n % 2 ? ' VIP' : ''}</p>`);
      expect(out.text).toBe(`Code C${n}`);
    }
  });

  it('reports Liquid syntax errors on save with line and column, and unknown filters', async () => {
    const unclosed = await errorOf(compileTemplate({ name: 'T', subject: 'Hi', source: '<p>one</p>\n<p>two</p>\n  {% if contact.vip %}\n<p>VIP</p>' }));
    expect(unclosed.field).toBe('source');
    expect(unclosed.reason).toMatch(/^line 3, column 3: tag \{% if contact\.vip %\} not closed/);
    const filter = await errorOf(compileTemplate({ name: 'T', subject: 'Hi {{ contact.name | shout }}', source: '<p>x</p>' }));
    expect(filter.field).toBe('subject');
    expect(filter.reason).toMatch(/line 1, column 4: undefined filter: shout/);
    const text = await errorOf(compileTemplate({ name: 'T', subject: 'Hi', source: '<p>x</p>', text: 'Hello {{ contact.name ' }));
    expect(text.field).toBe('text');
    expect((await errorOf(compileTemplate({ name: 'T', subject: 'two\nlines', source: '<p>x</p>' }))).field).toBe('subject');
    expect((await errorOf(compileTemplate({ name: ' ', subject: 'Hi', source: '<p>x</p>' }))).field).toBe('name');
  });

  it('compiles MJML with merge tags, and reports MJML errors', async () => {
    const compiled = await compileTemplate({
      name: 'News',
      subject: 'News for {{ contact.first_name }}',
      // Merge tags go straight into mj-text; block tags between components are wrapped in mj-raw.
      source:
        '<mjml><mj-body><mj-section><mj-column><mj-text>Hello {{ contact.first_name | default: "friend" }}</mj-text><mj-button href="https://example.com">Read</mj-button></mj-column></mj-section>' +
        '<mj-raw>{% if contact.vip %}</mj-raw><mj-section><mj-column><mj-text>Members only</mj-text></mj-column></mj-section><mj-raw>{% endif %}</mj-raw></mj-body></mjml>',
    });
    expect(compiled.format).toBe('mjml');
    const out = renderTemplate(prepareTemplate({ subject: compiled.subject, html: compiled.html, text: null, text_generated: compiled.textGenerated }), contactScope(contact('a@example.com', 'Ana')));
    expect(out.html).toMatch(/<!doctype html>/i);
    expect(out.html).toContain('Hello Ana');
    expect(out.text).toContain('Hello Ana');
    expect(out.html).not.toContain('Members only');
    const vip = renderTemplate(prepareTemplate({ subject: compiled.subject, html: compiled.html, text: null, text_generated: compiled.textGenerated }), contactScope(contact('v@example.com', 'Vi', { vip: 'yes' })));
    expect(vip.html).toContain('Members only');
    const bad = await errorOf(compileTemplate({ name: 'Bad', subject: 'x', source: '<mjml><mj-body><mj-section><mj-text>no column</mj-text></mj-section></mj-body></mjml>' }));
    expect(bad.field).toBe('source');
    expect(bad.reason).toMatch(/^line \d+: /);
  });

  it('stores, finds and updates templates by name, recompiling on change', async () => {
    const e = (engine = await createEngine('sqlite'));
    const created = await createTemplate(e.app.store, e.app.clock, { name: 'Receipt', subject: 'Receipt', source: '<style>b{color:red}</style><b>{{ contact.name }}</b>' });
    expect(created.html).toBe('<b style="color: red;">{{ contact.name }}</b>');
    await expect(createTemplate(e.app.store, e.app.clock, { name: 'Receipt', subject: 'x', source: '<p>x</p>' })).rejects.toThrow(/already exists/);
    const changed = await updateTemplate(e.app.store, e.app.clock, 'Receipt', { text: 'Thanks {{ contact.name }}' });
    expect(changed.text).toBe('Thanks {{ contact.name }}');
    expect((await findTemplate(e.app.store, created.id)).text).toBe('Thanks {{ contact.name }}');
    await expect(updateTemplate(e.app.store, e.app.clock, 'Receipt', { source: '{% for x in y %}' })).rejects.toThrow(/source: line 1, column 1/);
    await expect(findTemplate(e.app.store, 'Nope')).rejects.toThrow(/no template "Nope"/);
  });
});
