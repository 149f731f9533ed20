// The real Python server is the judge: 166 local operations (sets with idem/prev, deletes of
// values, tombstones and missing paths, gets) were run against DistKV 0.57.4 and its replies and
// get_state after every step captured (fixtures/distkv-py-single-server.json). The model must
// reproduce every reply and every tick set exactly.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { chainToWire } from '../../store/chain.js';
import { PyFloat } from '../../store/codec-value.js';
import { ClientError } from '../../store/errors.js';
import { Path } from '../../store/path.js';
import { Store } from '../../store/store.js';

interface Fixture {
  init: string;
  ops: [string, string[], unknown?, Record<string, unknown>?][];
  results: { res: Record<string, unknown>; state: Record<string, unknown> }[];
}

const fx = JSON.parse(readFileSync(new URL('./fixtures/distkv-py-single-server.json', import.meta.url), 'utf8')) as Fixture;

describe('store/python-judge: single server vs DistKV 0.57.4', () => {
  it('every reply and every get_state match the captured python server', () => {
    const s = new Store('test_0');
    s.markReady();
    s.setValue([], fx.init);
    fx.ops.forEach(([kind, els, value, kw], i) => {
      const path = Path.from(els);
      let res: Record<string, unknown> = {};
      try {
        if (kind === 'set' || kind === 'del') {
          const r = (kind === 'set' ? s.setValue(path, i === 13 ? new PyFloat(1) : (value as never), { nchain: 3, ...kw }) : s.deleteValue(path, { nchain: 3 })) as unknown as Record<string, unknown>;
          for (const k of ['changed', 'prev']) if (k in r) res[k] = r[k] instanceof PyFloat ? (r[k] as PyFloat).value : r[k];
        } else {
          const e = s.get(path);
          if (!e) res = { chain: null }; // the server layer's reply for a missing entry
          else {
            if (e.hasValue()) res.value = e.value;
            if (e.chain) res.chain = chainToWire(e.chain, 3);
          }
        }
      } catch (e) {
        assert.ok(e instanceof ClientError, String(e));
        res = { error: 'ServerError' };
      }
      const st = JSON.parse(JSON.stringify(s.getState({ nodes: true, known: true, present: true, deleted: true, missing: true, remote_missing: true })));
      delete st.tock;
      assert.deepEqual(JSON.parse(JSON.stringify({ res, state: st })), fx.results[i], `op ${i}: ${JSON.stringify(fx.ops[i])}`);
    });
  });
});
