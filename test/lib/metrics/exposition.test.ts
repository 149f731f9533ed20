// The Prometheus text format by hand: names from go-metrics style, label escaping, special
// values; every rendered line parses as the format says.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { promName, renderMetrics } from '../../../lib/metrics/exposition.js';

describe('lib/metrics: text exposition', () => {
  it('go-metrics names become Prometheus names; HELP, TYPE, samples with labels', () => {
    const text = renderMetrics([
      { name: 'memberlist.msg.alive', type: 'counter', help: 'alive messages\nreceived', samples: [{ value: 3 }] },
      { name: 'serf.events.by_name', type: 'counter', help: 'x', samples: [{ labels: { name: ':distkv.ping' }, value: 2 }, { labels: { name: 'a"b\\c\nd' }, value: 1 }] },
      { name: 'g', type: 'gauge', help: 'g', samples: [{ value: NaN }, { value: Infinity }] },
    ]);
    assert.equal(
      text,
      [
        '# HELP memberlist_msg_alive alive messages\\nreceived',
        '# TYPE memberlist_msg_alive counter',
        'memberlist_msg_alive 3',
        '# HELP serf_events_by_name x',
        '# TYPE serf_events_by_name counter',
        'serf_events_by_name{name=":distkv.ping"} 2',
        'serf_events_by_name{name="a\\"b\\\\c\\nd"} 1',
        '# HELP g g',
        '# TYPE g gauge',
        'g NaN',
        'g +Inf',
        '',
      ].join('\n'),
    );
  });

  it('any name and label value renders to valid lines', () => {
    const line = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\["\\n])*"\})? \S+$/;
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string(), fc.double(), (name, label, value) => {
        const out = renderMetrics([{ name, type: 'gauge', help: label, samples: [{ labels: { name: label }, value }] }]).split('\n');
        assert.match(out[2]!, line);
        assert.match(promName(name), /^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
      }),
    );
  });
});
