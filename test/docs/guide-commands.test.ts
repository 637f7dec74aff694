/**
 * How the guide test cuts ```sh blocks into commands: continuation lines, open quotes,
 * here-documents, markers, comment lines, and blocks indented inside a list.
 */
import { describe, expect, it } from 'vitest';
import { fencedBlocks, shellCommands } from './guide-commands.js';

const page = (body: string) => fencedBlocks(body).filter((b) => b.lang === 'sh').flatMap((b) => shellCommands('page.md', b));

describe('guide commands', () => {
  it('cuts a block into commands, joining continued lines and skipping comment lines', () => {
    const commands = page(['Text', '', '```sh', '# a comment for the reader', 'npx postroom server list', '', 'curl -sS -X POST "$POSTROOM/api" \\', '  -d \'{"a": 1}\'', '```', ''].join('\n'));
    expect(commands.map((c) => [c.line, c.text])).toEqual([
      [5, 'npx postroom server list'],
      [7, 'curl -sS -X POST "$POSTROOM/api" \\\n  -d \'{"a": 1}\''],
    ]);
  });

  it('keeps a quote that spans lines and the bodies of here-documents with their command', () => {
    const commands = page(['```sh', "echo 'one", "two # not a comment'", "cat > a.csv <<'EOF'", 'email', '# a line of the file', 'EOF', 'npx postroom contacts import a.csv', '```'].join('\n'));
    expect(commands.map((c) => c.text)).toEqual(["echo 'one\ntwo # not a comment'", "cat > a.csv <<'EOF'\nemail\n# a line of the file\nEOF", 'npx postroom contacts import a.csv']);
    expect(commands.every((c) => c.notRun === null && c.exitStatus === 0)).toBe(true);
  });

  it('reads the markers, and only outside quotes', () => {
    const commands = page(
      [
        '```sh',
        'npx postroom server connect gmail --name G  # not run: needs a Google account',
        'curl -sS --max-time 3 "$POSTROOM/x"  # exit status 28: --max-time ends it',
        'npx postroom send --text "see # not run: this is text"',
        "cat > hook.sh <<'EOF'  # not run: changes /etc",
        'systemctl restart postroom',
        'EOF',
        '```',
      ].join('\n'),
    );
    expect(commands.map((c) => [c.notRun, c.exitStatus])).toEqual([
      ['needs a Google account', 0],
      [null, 28],
      [null, 0],
      ['changes /etc', 0],
    ]);
  });

  it('reads blocks indented in a list, and refuses a marker without a reason or a command that never ends', () => {
    const indented = page(['1. Check:', '', '   ```sh', '   nc -vz host 25  # not run: connects out', '   ```'].join('\n'));
    expect(indented.map((c) => [c.line, c.text, c.notRun])).toEqual([[4, 'nc -vz host 25  # not run: connects out', 'connects out']]);
    expect(() => page(['```sh', 'npx postroom serve  # not run:', '```'].join('\n'))).toThrow(/must say what/);
    expect(() => page(['```sh', "echo 'open", '```'].join('\n'))).toThrow(/never ends/);
    expect(() => page(['```sh', 'cat <<EOF', 'no end', '```'].join('\n'))).toThrow(/EOF never ends/);
  });
});
