/** Bad input from a person or a program: names the field so the caller can point at it. */
export class InputError extends Error {
  readonly field: string;
  /** What is wrong with the field, without its name (the message is `field: reason`). */
  readonly reason: string;
  constructor(field: string, reason: string) {
    super(`${field}: ${reason}`);
    this.name = 'InputError';
    this.field = field;
    this.reason = reason;
  }

  /** The same problem, reported under another name for the field (a CLI flag, a batch index). */
  renamed(field: string): InputError {
    return new InputError(field, this.reason);
  }
}

/** Turns a zod error into an InputError naming the first offending field (`to[1]`, `subject`). */
export function inputErrorFromZod(error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> }): InputError {
  const issue = error.issues[0];
  const field = issue ? formatPath(issue.path) : 'input';
  return new InputError(field || 'input', issue?.message ?? 'invalid');
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}
