/**
 * Helpers to read configuration from the environment through a zod schema,
 * once, at start. A wrong value stops the start with the variable named.
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Variables whose values are credentials: an error names them but never prints the value. */
const SECRET_NAME = /SECRET|PASSWORD|TOKEN|ACCOUNTS/;

export function isCredentialName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * The value of a credential variable, from `<NAME>` or from the file named by
 * `<NAME>_FILE` (docker / compose secrets: /run/secrets/...), so that a secret
 * need not sit in the plain environment. One trailing newline (what `echo`
 * and editors leave) is dropped. Setting both is refused: which one wins
 * would be a guess.
 */
export function readCredential(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const direct = env[name];
  const file = env[`${name}_FILE`];
  const hasDirect = direct !== undefined && direct !== '';
  if (file === undefined || file === '') return hasDirect ? direct : undefined;
  if (hasDirect) throw new ConfigError(`Both ${name} and ${name}_FILE are set: set only one of them`);
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError(`${name}_FILE=${JSON.stringify(file)}: cannot read the file (${code})`);
  }
}

/**
 * Parses `env` with a zod object schema whose keys are the variable names.
 * Unset and empty variables take the schema's default. Every credential
 * variable (a name with SECRET, PASSWORD, TOKEN or ACCOUNTS) may instead be
 * given as `<NAME>_FILE`, the path of a file holding it.
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv, section: string): Readonly<z.infer<S>> {
  const input: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = isCredentialName(key) ? readCredential(key, env) : env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '(unknown)');
      const given = input[name];
      const shown = given === undefined ? '' : isCredentialName(name) ? '=<hidden>' : `=${JSON.stringify(given)}`;
      return `  ${name}${shown}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid ${section} configuration:\n${lines.join('\n')}`);
  }
  return Object.freeze(result.data);
}
