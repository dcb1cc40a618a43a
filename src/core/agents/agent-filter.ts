import { UsageError } from '../../shared/errors.js';
import type { AgentListing } from './list-agents.js';

/** The keys `ls --filter KEY=VALUE` takes. */
export const FILTER_KEYS = ['name', 'state', 'image', 'branch', 'label'] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

/** The values given for each key. */
export type AgentFilters = Partial<Record<FilterKey, string[]>>;

function invalidFilter(value: string, why: string): UsageError {
  return new UsageError('INVALID_FILTER', `Invalid --filter ${JSON.stringify(value)}: ${why}`, {
    hint: `Give KEY=VALUE with a key of ${FILTER_KEYS.join(', ')}, e.g. --filter state=running --filter label=team=web`,
    details: { filter: value },
  });
}

/** `--filter` values (repeatable) as filters; INVALID_FILTER (usage, exit 2) for an unknown key or no value. */
export function parseFilters(values: readonly string[]): AgentFilters {
  const filters: AgentFilters = {};
  for (const value of values) {
    const equals = value.indexOf('=');
    if (equals <= 0) throw invalidFilter(value, 'it is not KEY=VALUE');
    const key = value.slice(0, equals).trim().toLowerCase();
    const wanted = value.slice(equals + 1);
    if (!(FILTER_KEYS as readonly string[]).includes(key)) throw invalidFilter(value, `unknown key ${key}`);
    if (wanted === '') throw invalidFilter(value, 'the value is empty');
    (filters[key as FilterKey] ??= []).push(wanted);
  }
  return filters;
}

/** `repo/agent-node:1.2` also matches `agent-node:1.2`, `repo/agent-node` and `agent-node` (as docker's ancestor filter takes a name). */
function imageMatches(listing: Pick<AgentListing, 'image' | 'imageName'>, wanted: string): boolean {
  if (wanted === listing.image || wanted === listing.imageName) return true;
  const withoutTag = (reference: string) => {
    const at = reference.indexOf('@');
    const name = at === -1 ? reference : reference.slice(0, at);
    const slash = name.lastIndexOf('/');
    const colon = name.lastIndexOf(':');
    return colon > slash ? name.slice(0, colon) : name;
  };
  return wanted === withoutTag(listing.image) || wanted === withoutTag(listing.imageName);
}

function matchesOne(listing: AgentListing, key: FilterKey, wanted: string): boolean {
  switch (key) {
    case 'name':
      // As `docker ps --filter name=`: a part of the name.
      return listing.name.includes(wanted);
    case 'state':
      return listing.state === wanted.toLowerCase();
    case 'image':
      return imageMatches(listing, wanted);
    case 'branch':
      return listing.branch === wanted;
    case 'label': {
      const equals = wanted.indexOf('=');
      const labels = listing.labels;
      if (equals === -1) return Object.hasOwn(labels, wanted);
      return labels[wanted.slice(0, equals)] === wanted.slice(equals + 1);
    }
  }
}

/** As `docker ps --filter`: values of one key are alternatives (OR), different keys all hold (AND). */
export function matchesFilters(listing: AgentListing, filters: AgentFilters): boolean {
  return FILTER_KEYS.every((key) => {
    const values = filters[key];
    return !values || values.length === 0 || values.some((value) => matchesOne(listing, key, value));
  });
}
