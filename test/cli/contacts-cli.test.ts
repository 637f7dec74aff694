/**
 * `postroom contacts import|export|list` and `postroom list create|show`, run as the built
 * command: bad rows reported by line with exit status 3 while the good rows import, a list made
 * on the fly, explicit column mapping, and a formula-safe export to a file.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/databases.js';
import { assertBuilt, cli, ok, okJson } from './run-cli.js';

describe('contacts on the command line', () => {
  const dirs: string[] = [];
  beforeAll(assertBuilt);
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const data = () => {
    const dir = tempDir();
    dirs.push(dir);
    return dir;
  };

  it('imports a CSV into a list, reporting bad rows by line with exit status 3', async () => {
    const dir = data();
    const file = path.join(dir, 'people.csv');
    writeFileSync(file, 'Email,Name,Country\nana@example.com,Ana,ES\nnope,Nope,XX\nbob@example.com,Bob,US\nbob@example.com,Robert,\n');
    const run = await cli(dir, ['contacts', 'import', file, '--list', 'Customers']);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stdout).toMatch(/4 rows read in [\d.]+ s: 2 contacts created, 0 updated, 1 rows not imported \(list "Customers"\)/);
    expect(run.stdout).toMatch(/line 3: email: "nope" is not an email address/);

    const lists = await okJson<Array<{ name: string; members: number }>>(dir, ['--json', 'list', 'show']);
    expect(lists).toEqual([expect.objectContaining({ name: 'Customers', members: 2 })]);
    const people = await okJson<Array<{ email: string; name: string; fields: Record<string, string> }>>(dir, ['--json', 'contacts', 'list', '--list', 'Customers']);
    expect(people.map((p) => [p.email, p.name, p.fields.country])).toEqual([
      ['ana@example.com', 'Ana', 'ES'],
      ['bob@example.com', 'Robert', 'US'],
    ]);
  });

  it('maps columns by hand, names a missing one, and exports to a file with formulas neutralised', async () => {
    const dir = data();
    const file = path.join(dir, 'odd.csv');
    writeFileSync(file, 'Correo,Nombre,Ciudad\nana@example.com,=cmd|calc,Madrid\n');
    const missing = await cli(dir, ['contacts', 'import', file]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: mapping\.email: no column holds the email address \(columns: Correo, Nombre, Ciudad\)/);
    const bad = await cli(dir, ['contacts', 'import', file, '--map', 'Correo']);
    expect(bad.stderr).toMatch(/--map: "Correo" is not PROPERTY=HEADER/);

    const report = await okJson<{ created: number; errors: number }>(dir, ['--json', 'contacts', 'import', file, '--map', 'email=Correo', '--map', 'name=Nombre', '--map', 'city=Ciudad']);
    expect(report).toMatchObject({ created: 1, errors: 0 });
    await ok(dir, ['list', 'create', 'Empty', '--description', 'nobody yet']);
    const out = path.join(dir, 'out.csv');
    await ok(dir, ['contacts', 'export', '--output', out]);
    const lines = readFileSync(out, 'utf8').trim().split('\r\n');
    expect(lines[0]).toBe('email,name,status,time_zone,created_at,updated_at,city');
    expect(lines[1]).toMatch(/^ana@example\.com,'=cmd\|calc,subscribed,,.*,Madrid$/);
    expect((await ok(dir, ['contacts', 'export', '--list', 'Empty'])).trim()).toBe('email,name,status,time_zone,created_at,updated_at,city');
    expect((await cli(dir, ['contacts', 'export', '--list', 'Nope'])).stderr).toMatch(/--list: no list "Nope"/);
  });
});
