/**
 * Contacts on each test database: a streamed CSV import that takes the good rows and reports
 * the bad ones by line, merging on duplicate addresses without resubscribing anyone; lists; and
 * an export that neutralises spreadsheet formulas and reads back in.
 */
import { Readable, PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { testDatabaseKinds, type TestDatabaseKind } from '../helpers/databases.js';
import { createEngine, type Engine } from '../helpers/engine.js';
import { createList, exportContacts, findList, importContacts, listContacts, listLists, contactView, csvCell, countContacts } from '../../src/campaigns/index.js';
import { InputError } from '../../src/lib/input-error.js';

const csv = (text: string) => Readable.from([Buffer.from(text)]);

async function exported(engine: Engine, options = {}): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await exportContacts(engine.app.store, out, options);
  out.end();
  return Buffer.concat(chunks).toString('utf8');
}

describe.each(testDatabaseKinds())('contacts on %s', (kind: TestDatabaseKind) => {
  let engine: Engine | undefined;
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
  });

  const contacts = async (e: Engine) => (await listContacts(e.app.store, { limit: 1000 })).map(contactView);

  it('imports the good rows and reports each bad one with its line number and reason', async () => {
    const e = (engine = await createEngine(kind));
    const file = [
      'Email,First Name,Country,Time Zone',
      'ana@example.com,Ana,ES,Europe/Madrid', // line 2
      'not-an-address,Bob,US,America/New_York', // 3: bad address
      ',Nobody,US,', // 4: no address
      'CARL@Example.COM ,Carl,DE,', // 5: normalised
      'dee@example.com,Dee,FR,Mars/Olympus', // 6: unknown zone
      'eve@example.com,Eve,GB', // 7: too few cells
      '', // 8: blank lines are skipped
      '"fay@example.com","Fay, the second","IT","Europe/Rome"', // 9: quoted comma
      'gus@example.com,"Gus ""the"" third",PT,Europe/Lisbon', // 10
    ].join('\n');
    const progress: number[] = [];
    const report = await importContacts(e.app.store, e.app.clock, csv(file), { batchSize: 2, onProgress: (p) => void progress.push(p.rows) });
    expect(report).toMatchObject({ rows: 8, created: 4, updated: 0, errors: 4 });
    expect(report.rowErrors.map((r) => r.line)).toEqual([3, 4, 6, 7]);
    expect(report.rowErrors[0]!.reason).toMatch(/^email: "not-an-address" is not an email address/);
    expect(report.rowErrors[1]!.reason).toBe('email: is required');
    expect(report.rowErrors[2]!.reason).toMatch(/^timeZone: "Mars\/Olympus" is not an IANA time zone/);
    expect(report.rowErrors[3]!.reason).toMatch(/3 cells where the header has 4/);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toBe(8);

    const rows = await contacts(e);
    expect(rows.map((c) => c.email).sort()).toEqual(['ana@example.com', 'carl@example.com', 'fay@example.com', 'gus@example.com']);
    const byEmail = Object.fromEntries(rows.map((c) => [c.email, c]));
    expect(byEmail['ana@example.com']).toMatchObject({ name: '', fields: { first_name: 'Ana', country: 'ES' }, timeZone: 'Europe/Madrid', status: 'subscribed' });
    expect(byEmail['carl@example.com']!.timeZone).toBeNull();
    expect(byEmail['fay@example.com']!.fields).toEqual({ first_name: 'Fay, the second', country: 'IT' });
    expect(byEmail['gus@example.com']!.fields.first_name).toBe('Gus "the" third');
  });

  it('reports an unclosed quote as the lines it swallowed, keeping every row before it', async () => {
    const e = (engine = await createEngine(kind));
    const file = ['email,name', 'a@example.com,A', 'b@example.com,"B is never closed', 'c@example.com,C', 'd@example.com,D'].join('\n');
    const report = await importContacts(e.app.store, e.app.clock, csv(file));
    expect((await contacts(e)).map((c) => c.email)).toEqual(['a@example.com']);
    expect(report.rowErrors).toEqual([{ line: 3, reason: expect.stringMatching(/quote opened on line 3 is never closed/) }]);
  });

  it('merges duplicates: fields key by key, a name only when given, and never resubscribes', async () => {
    const e = (engine = await createEngine(kind));
    await importContacts(e.app.store, e.app.clock, csv('email,name,plan,city,status\nana@example.com,Ana,free,Madrid,\nbob@example.com,Bob,pro,,unsubscribed\n'));
    // The same people again, in another case, with partial data; Ana twice in one file.
    const again = await importContacts(
      e.app.store,
      e.app.clock,
      csv('E-mail,Name,Plan,Zone\nANA@example.com,,pro,Europe/Madrid\nbob@example.com,Robert,team,\nana@example.com,Ana María,,\nnew@example.com,New,free,\n'),
    );
    expect(again).toMatchObject({ rows: 4, created: 1, updated: 2, errors: 0 });
    const byEmail = Object.fromEntries((await contacts(e)).map((c) => [c.email, c]));
    expect(byEmail['ana@example.com']).toMatchObject({ name: 'Ana María', fields: { plan: 'pro', city: 'Madrid' }, timeZone: 'Europe/Madrid', status: 'subscribed' });
    expect(byEmail['bob@example.com']).toMatchObject({ name: 'Robert', fields: { plan: 'team' }, status: 'unsubscribed' });
    expect(byEmail['new@example.com']!.status).toBe('subscribed');
    expect(await countContacts(e.app.store)).toEqual({ subscribed: 2, unsubscribed: 1, bounced: 0, complained: 0 });

    // A status column that says so does change it (an operator's own file of bounces).
    await importContacts(e.app.store, e.app.clock, csv('email,status\nnew@example.com,bounced\n'));
    expect((await contacts(e)).find((c) => c.email === 'new@example.com')!.status).toBe('bounced');
    const bad = await importContacts(e.app.store, e.app.clock, csv('email,status\nnew@example.com,gone\n'));
    expect(bad.rowErrors).toEqual([{ line: 2, reason: expect.stringMatching(/^status: "gone" is not one of subscribed, unsubscribed, bounced, complained/) }]);
  });

  it('adds imported contacts to a list; a contact can be on many lists', async () => {
    const e = (engine = await createEngine(kind));
    const customers = await createList(e.app.store, e.app.clock, { name: 'Customers' });
    const newsletter = await createList(e.app.store, e.app.clock, { name: 'Newsletter', description: 'Monthly news' });
    await importContacts(e.app.store, e.app.clock, csv('email\na@example.com\nb@example.com\n'), { listId: customers.id });
    await importContacts(e.app.store, e.app.clock, csv('email\nb@example.com\nc@example.com\n'), { listId: newsletter.id });
    await importContacts(e.app.store, e.app.clock, csv('email\nb@example.com\n'), { listId: newsletter.id }); // already a member
    expect((await listContacts(e.app.store, { listId: customers.id })).map((c) => c.email)).toEqual(['a@example.com', 'b@example.com']);
    expect((await listContacts(e.app.store, { listId: newsletter.id })).map((c) => c.email)).toEqual(['b@example.com', 'c@example.com']);
    expect((await listLists(e.app.store)).map((l) => [l.name, l.members])).toEqual([
      ['Customers', 2],
      ['Newsletter', 2],
    ]);
    expect((await findList(e.app.store, 'Newsletter')).id).toBe(newsletter.id);
    await expect(createList(e.app.store, e.app.clock, { name: 'Customers' })).rejects.toThrow(/already exists/);
    await expect(findList(e.app.store, 'Nope', '--list')).rejects.toThrow(InputError);
  });

  it('names the missing email column, and the mapped column that does not exist', async () => {
    const e = (engine = await createEngine(kind));
    await expect(importContacts(e.app.store, e.app.clock, csv('name,city\nAna,Madrid\n'))).rejects.toThrow(/mapping\.email: no column holds the email address \(columns: name, city\)/);
    await expect(importContacts(e.app.store, e.app.clock, csv('addr\nana@example.com\n'), { mapping: { email: 'Address' } })).rejects.toThrow(/the file has no column "Address"/);
    await expect(importContacts(e.app.store, e.app.clock, csv(''))).rejects.toThrow(/file: is empty/);
    const mapped = await importContacts(e.app.store, e.app.clock, csv('Correo,Nombre,Ciudad,Notas\nana@example.com,Ana,Madrid,skip me\n'), {
      mapping: { email: 'Correo', name: 'Nombre', fields: { Ciudad: 'city' }, skip: ['Notas'] },
    });
    expect(mapped.created).toBe(1);
    expect((await contacts(e))[0]).toMatchObject({ email: 'ana@example.com', name: 'Ana', fields: { city: 'Madrid' } });
  });

  it('exports CSV with formulas neutralised, and the export imports back unchanged', async () => {
    const e = (engine = await createEngine(kind));
    await importContacts(
      e.app.store,
      e.app.clock,
      csv('email,name,note,zone\nana@example.com,"=HYPERLINK(""http://evil.example"",""click"")",+1 555,Europe/Madrid\nbob@example.com,@bob,"-2, or ""so""",\ncarl@example.com,Carl,plain,\n'),
    );
    const text = await exported(e);
    const lines = text.split('\r\n');
    expect(lines[0]).toBe('email,name,status,time_zone,created_at,updated_at,note');
    expect(lines[1]).toMatch(/^ana@example\.com,"'=HYPERLINK\(""http:\/\/evil\.example"",""click""\)",subscribed,Europe\/Madrid,[^,]+,[^,]+,'\+1 555$/);
    expect(lines[2]).toMatch(/^bob@example\.com,'@bob,subscribed,,[^,]+,[^,]+,"'-2, or ""so"""$/);
    expect(lines[3]).toMatch(/^carl@example\.com,Carl,subscribed,,.*,plain$/);
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('-')).toBe("'-");

    const list = await createList(e.app.store, e.app.clock, { name: 'Only Carl' });
    await importContacts(e.app.store, e.app.clock, csv('email\ncarl@example.com\n'), { listId: list.id });
    expect((await exported(e, { listId: list.id })).trim().split('\r\n')).toHaveLength(2);

    // Read back into an empty database: the same contacts (the quote mark stays, as text).
    const other = await createEngine(kind);
    try {
      await importContacts(other.app.store, other.app.clock, csv(text), { mapping: { skip: ['created_at', 'updated_at'] } });
      const back = (await listContacts(other.app.store)).map(contactView);
      expect(back.map((c) => [c.email, c.name, c.timeZone])).toEqual([
        ['ana@example.com', `'=HYPERLINK("http://evil.example","click")`, 'Europe/Madrid'],
        ['bob@example.com', "'@bob", null],
        ['carl@example.com', 'Carl', null],
      ]);
    } finally {
      await other.close();
    }
  });
});
