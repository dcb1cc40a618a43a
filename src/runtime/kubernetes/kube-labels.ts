/**
 * agentctl's labels in Kubernetes metadata. Label values are limited (63 characters of
 * [A-Za-z0-9._-]), and a workspace path or image reference is not one: every label is kept in one
 * annotation as JSON, and those that are valid label values are labels too, so that list calls can
 * select on them (io.agentctl.managed, io.agentctl.kind, io.agentctl.agent).
 */
export const LABELS_ANNOTATION = 'agentctl.io/labels';

const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

export function isLabelCompatible(key: string, value: string): boolean {
  return LABEL_KEY.test(key) && LABEL_VALUE.test(value);
}

export function toKubernetesMetadata(labels: Record<string, string>): {
  labels: Record<string, string>;
  annotations: Record<string, string>;
} {
  const selectable = Object.fromEntries(Object.entries(labels).filter(([key, value]) => isLabelCompatible(key, value)));
  return { labels: selectable, annotations: { [LABELS_ANNOTATION]: JSON.stringify(labels) } };
}

/** The labels agentctl gave an object: the annotation's, else the object's own labels. */
export function fromKubernetesMetadata(
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> } | undefined,
): Record<string, string> {
  const text = metadata?.annotations?.[LABELS_ANNOTATION];
  if (text) {
    try {
      return { ...(metadata?.labels ?? {}), ...(JSON.parse(text) as Record<string, string>) };
    } catch {
      // A hand-edited annotation: fall back to the labels.
    }
  }
  return { ...(metadata?.labels ?? {}) };
}

/** A label filter (`key=value`, or `key` present) as a Kubernetes label selector. */
export function toLabelSelector(filter: Record<string, string | true>): string {
  return Object.entries(filter)
    .map(([key, value]) => (value === true ? key : `${key}=${value}`))
    .join(',');
}

/** The selector the API server can apply, and a test for the rest (values that are not label values). */
export function splitLabelFilter(filter: Record<string, string | true>): {
  selector: string;
  matches(labels: Record<string, string>): boolean;
} {
  const serverSide = Object.fromEntries(
    Object.entries(filter).filter(([key, value]) =>
      value === true ? isLabelCompatible(key, 'x') : isLabelCompatible(key, value),
    ),
  );
  return {
    selector: toLabelSelector(serverSide),
    matches: (labels) =>
      Object.entries(filter).every(([key, value]) => (value === true ? key in labels : labels[key] === value)),
  };
}
