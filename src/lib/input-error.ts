/** Bad input from a person or a program: names the field so the caller can point at it. */
export class InputError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'InputError';
    this.field = field;
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
