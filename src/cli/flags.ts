import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { InputError } from '../lib/input-error.js';

export function integer(min: number, max: number) {
  return (value: string): number => {
    if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError('must be a whole number.');
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`must be between ${min} and ${max}.`);
    return n;
  };
}

export function oneOf<T extends string>(...choices: T[]) {
  return (value: string): T => {
    if (!(choices as string[]).includes(value)) throw new InvalidArgumentError(`must be one of ${choices.join(', ')}.`);
    return value as T;
  };
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Reads a file named by a flag; a missing or unreadable file is an error naming that flag. */
export function readFlagFile(flag: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new InputError(flag, `cannot read "${file}" (${code})`);
  }
}

/** Reads a secret from the environment variable a flag names, so it never appears in `ps` or shell history. */
export function readEnvFlag(flag: string, name: string, env: Record<string, string | undefined> = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') throw new InputError(flag, `environment variable ${name} is not set`);
  return value;
}
