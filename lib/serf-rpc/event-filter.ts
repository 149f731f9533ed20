// Serf agent event filters ("member-join,user:deploy,query:*"...), as event_handler.go parses
// and applies them for RPC streams and -event-handler scripts.
import type { SerfEvent } from '../../gossip/serf/events.js';

export interface EventFilter {
  /** member-join | member-leave | member-failed | member-update | member-reap | user | query | * */
  event: string;
  /** For user/query: only events of this name ('' = any). */
  name: string;
}

const VALID = new Set(['member-join', 'member-leave', 'member-failed', 'member-update', 'member-reap', 'user', 'query', '*']);

export function parseEventFilter(text: string): EventFilter[] {
  return (text === '' ? '*' : text).split(',').map((event) => {
    if (event.startsWith('user:')) return { event: 'user', name: event.slice(5) };
    if (event.startsWith('query:')) return { event: 'query', name: event.slice(6) };
    return { event, name: '' };
  });
}

export function validFilter(f: EventFilter): boolean {
  return VALID.has(f.event);
}

export function filterMatches(f: EventFilter, e: SerfEvent): boolean {
  if (f.event === '*') return true;
  if (e.type !== f.event) return false;
  if (f.name === '') return true;
  if (e.type === 'user') return e.name === f.name;
  if (e.type === 'query') return e.query.name === f.name;
  return true;
}

export function anyFilterMatches(filters: readonly EventFilter[], e: SerfEvent): boolean {
  return filters.some((f) => filterMatches(f, e));
}
