import { z } from 'zod';
import { ConfigError } from '../shared/errors.js';
import { configSchema, type Config } from './schema.js';

/** The object schema found at a config path, to list the keys it allows. */
function shapeAt(path: PropertyKey[]): string[] | undefined {
  let schema: z.ZodType = configSchema;
  for (const key of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject) {
      const next = (schema.shape as Record<string, z.ZodType>)[String(key)];
      if (!next) return undefined;
      schema = next;
    } else if (schema instanceof z.ZodRecord) {
      schema = schema._zod.def.valueType as z.ZodType;
    } else {
      return undefined;
    }
  }
  schema = unwrap(schema);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : undefined;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodDefault) {
    current = current._zod.def.innerType as z.ZodType;
  }
  return current;
}

function describeIssue(issue: z.core.$ZodIssue): { key: string; problem: string; expected: string } {
  const base = issue.path.map(String);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const keys = issue.keys.map((k) => [...base, k].join('.'));
      const allowed = shapeAt(issue.path) ?? [];
      return {
        key: keys.join(', '),
        problem: `unknown key${keys.length > 1 ? 's' : ''}`,
        expected: allowed.length ? `one of: ${allowed.join(', ')}` : 'no such key',
      };
    }
    case 'invalid_type': {
      const expected = issue.expected === 'record' ? 'object' : issue.expected;
      return { key: base.join('.'), problem: `wrong type`, expected: `${expected}` };
    }
    case 'invalid_value':
      return {
        key: base.join('.'),
        problem: 'invalid value',
        expected: `one of: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`,
      };
    default:
      return { key: base.join('.'), problem: 'invalid value', expected: issue.message };
  }
}

/**
 * Validates one config layer. `origin` names where it came from (a file path, an environment
 * variable, a flag) so that the error points at it.
 */
export function validateConfig(value: unknown, origin: string): Config {
  const result = configSchema.safeParse(value ?? {});
  if (result.success) return result.data;
  const first = result.error.issues[0]!;
  const { key, problem, expected } = describeIssue(first);
  const more = result.error.issues.length > 1 ? ` (and ${result.error.issues.length - 1} more problem(s))` : '';
  return fail(origin, key, problem, expected, more, result.error.issues.map(describeIssue));
}

function fail(
  origin: string,
  key: string,
  problem: string,
  expected: string,
  more: string,
  all: ReturnType<typeof describeIssue>[],
): never {
  throw new ConfigError(
    'CONFIG_INVALID',
    `Invalid configuration in ${origin}: ${problem} "${key || '(root)'}", expected ${expected}${more}`,
    {
      hint: `Fix "${key || '(root)'}" in ${origin}; docs/configuration.md lists every key and its type`,
      details: { source: origin, issues: all },
    },
  );
}
