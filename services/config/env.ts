/**
 * Helpers to read configuration from the environment through a zod schema,
 * once, at start. A wrong value stops the start with the variable named.
 */
import type { z } from 'zod';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Parses `env` with a zod object schema whose keys are the variable names.
 * Unset and empty variables take the schema's default.
 */
/** Variables whose values are credentials: an error names them but never prints the value. */
const SECRET_NAME = /SECRET|PASSWORD|TOKEN|ACCOUNTS/;

export function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv, section: string): Readonly<z.infer<S>> {
  const input: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '(unknown)');
      const given = env[name];
      const shown = given === undefined ? '' : SECRET_NAME.test(name) ? '=<hidden>' : `=${JSON.stringify(given)}`;
      return `  ${name}${shown}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid ${section} configuration:\n${lines.join('\n')}`);
  }
  return Object.freeze(result.data);
}
