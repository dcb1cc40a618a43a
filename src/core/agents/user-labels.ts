import { UsageError } from '../../shared/errors.js';
import { USER_LABEL_PREFIX } from '../../shared/labels.js';

// Docker's own rule for label keys is loose; this one also fits a Kubernetes label name.
const KEY = /^[A-Za-z0-9]([A-Za-z0-9._/-]{0,61}[A-Za-z0-9])?$/;

/**
 * `start --label KEY=VALUE` (repeatable) as engine labels in the user's namespace
 * (`io.agentctl.label.KEY`), which none of agentctl's own labels uses. INVALID_LABEL (usage, exit 2)
 * for a value that is not KEY=VALUE or a key outside [A-Za-z0-9._/-].
 */
export function parseUserLabels(values: readonly string[] = []): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const value of values) {
    const equals = value.indexOf('=');
    const key = equals === -1 ? value : value.slice(0, equals);
    if (!KEY.test(key))
      throw new UsageError('INVALID_LABEL', `Invalid --label ${JSON.stringify(value)}`, {
        hint: 'Give KEY=VALUE with a key of letters, digits and . _ / - (at most 63), e.g. --label team=web',
        details: { label: value },
      });
    labels[`${USER_LABEL_PREFIX}${key}`] = equals === -1 ? '' : value.slice(equals + 1);
  }
  return labels;
}
