// Go's url.ParseQuery / strconv rules as etcd sees them.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { parseGoBool, parseGoUint, parseQuery, queryUnescape } from '../../../lib/etcd/form.js';
import { parseKeyRequest } from '../../../lib/etcd/request.js';
import { EtcdError } from '../../../lib/etcd/errors.js';

describe('lib/etcd/form', () => {
  it('agrees with URLSearchParams on well-formed queries', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string(), fc.string()), { maxLength: 6 }), (pairs) => {
        const q = new URLSearchParams(pairs).toString();
        const { form, error } = parseQuery(q);
        assert.equal(error, undefined);
        const want = new Map<string, string[]>();
        for (const [k, v] of new URLSearchParams(q)) want.set(k, [...(want.get(k) ?? []), v]);
        assert.deepEqual(form, want);
      }),
      { numRuns: 300 },
    );
  });

  it('reports Go\'s errors: bad escapes and semicolons (and still parses the rest)', () => {
    assert.deepEqual(queryUnescape('a%zzb'), { error: 'invalid URL escape "%zz"' });
    assert.deepEqual(queryUnescape('%4'), { error: 'invalid URL escape "%4"' });
    const r = parseQuery('a=1;b=2&c=3');
    assert.equal(r.error, 'invalid semicolon separator in query');
    assert.deepEqual(r.form.get('c'), ['3']);
  });

  it('strconv.ParseBool and ParseUint', () => {
    for (const t of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.equal(parseGoBool(t), true);
    for (const f of ['0', 'f', 'F', 'FALSE', 'false', 'False']) assert.equal(parseGoBool(f), false);
    for (const bad of ['', 'yes', 'tRUE', ' true']) assert.equal(parseGoBool(bad), undefined);
    assert.equal(parseGoUint('0'), 0);
    assert.equal(parseGoUint('18446744073709551615'), 18446744073709551615);
    for (const bad of ['', '-1', '+1', '1.5', '18446744073709551616', '0x10', ' 1']) assert.equal(parseGoUint(bad), undefined);
  });

  it('parseKeyRequest throws only EtcdError, whatever the form holds', () => {
    const keys = ['prevIndex', 'waitIndex', 'recursive', 'sorted', 'wait', 'dir', 'quorum', 'stream', 'prevValue', 'ttl', 'prevExist', 'refresh', 'value', 'noValueOnSuccess'];
    fc.assert(
      fc.property(fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'HEAD' as const), fc.string(), fc.array(fc.tuple(fc.constantFrom(...keys), fc.string({ maxLength: 25 }))), (m, path, pairs) => {
        const form = new Map<string, string[]>();
        for (const [k, v] of pairs) form.set(k, [...(form.get(k) ?? []), v]);
        try {
          const r = parseKeyRequest(m, path, form);
          assert.ok(r.key.startsWith('/'));
        } catch (e) {
          assert.ok(e instanceof EtcdError, String(e));
          assert.ok(e.errorCode >= 200 && e.errorCode < 300);
        }
      }),
      { numRuns: 500 },
    );
  });
});
