import { strict as assert } from 'node:assert';
import type { SerfEvent } from '../../../gossip/serf/events.js';
import { anyFilterMatches, parseEventFilter, validFilter } from '../../../lib/serf-rpc/event-filter.js';

const user = (name: string): SerfEvent => ({ type: 'user', ltime: 1, name, payload: new Uint8Array(0), coalesce: false });
const join: SerfEvent = { type: 'member-join', members: [] };

describe('serf-rpc event filters (event_handler.go)', () => {
  it('parses like ParseEventFilter', () => {
    assert.deepEqual(parseEventFilter(''), [{ event: '*', name: '' }]);
    assert.deepEqual(parseEventFilter('member-join,user:deploy,query:q'), [
      { event: 'member-join', name: '' },
      { event: 'user', name: 'deploy' },
      { event: 'query', name: 'q' },
    ]);
    // asyncserf subscribes to 'user:' + ':distkv.update'
    assert.deepEqual(parseEventFilter('user::distkv.update'), [{ event: 'user', name: ':distkv.update' }]);
  });

  it('validates and matches', () => {
    assert.equal(parseEventFilter('member-join,bogus').every(validFilter), false);
    assert.equal(parseEventFilter('member-reap,user,query,*').every(validFilter), true);
    assert.equal(anyFilterMatches(parseEventFilter('user:a'), user('a')), true);
    assert.equal(anyFilterMatches(parseEventFilter('user:a'), user('b')), false);
    assert.equal(anyFilterMatches(parseEventFilter('user'), user('b')), true);
    assert.equal(anyFilterMatches(parseEventFilter('user'), join), false);
    assert.equal(anyFilterMatches(parseEventFilter('member-join'), join), true);
    assert.equal(anyFilterMatches(parseEventFilter('*'), join), true);
  });
});
