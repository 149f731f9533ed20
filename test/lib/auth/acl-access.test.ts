// Per-command ACL rules (lib/auth/acl-access.ts): watch verdicts, enum filters, error texts.
import { strict as assert } from 'node:assert';
import { AclError, AclFinder, NULL_ACL, followAcl } from '../../../lib/auth/acl.js';
import { COMMAND_ACL_MODE, aclErrorText, enumAccess, watchVerdict } from '../../../lib/auth/acl-access.js';
import { Store } from '../../../store/store.js';

function setup() {
  const s = new Store('t');
  s.markReady();
  s.setValue([null, 'acl', 'foo', 'pub'], 'rxe');
  s.setValue([null, 'acl', 'foo', 'pub', 'secret'], 'x');
  s.setValue([null, 'acl', 'foo', 'blind'], 're');
  s.setValue([null, 'acl', 'foo', 'flat'], 'rx');
  for (const p of [['pub'], ['pub', 'a'], ['pub', 'secret'], ['blind'], ['blind', 'b'], ['flat'], ['flat', 'c']]) s.setValue(p, p.join('.'));
  return { s, acl: AclFinder.at(s.get([null, 'acl', 'foo'])!) };
}

describe('auth ACL access rules', () => {
  it('modes per command as python checks them', () => {
    assert.equal(COMMAND_ACL_MODE.get_value, 'r');
    assert.equal(COMMAND_ACL_MODE.set_value, 'W');
    assert.equal(COMMAND_ACL_MODE.delete_tree, 'd');
    assert.equal(COMMAND_ACL_MODE.watch, 'x');
    assert.equal(COMMAND_ACL_MODE.set_internal, null);
  });

  it('watch: no e hides deeper changes, no x withholds values below, r decides the value', () => {
    const { acl } = setup();
    assert.deepEqual(watchVerdict(acl, ['pub']), { send: true, withValue: true });
    assert.deepEqual(watchVerdict(acl, ['pub', 'a']), { send: true, withValue: true });
    assert.deepEqual(watchVerdict(acl, ['pub', 'secret']), { send: true, withValue: false });
    assert.deepEqual(watchVerdict(acl, ['blind', 'b']), { send: true, withValue: false }, "no x at blind: r blocked below");
    assert.deepEqual(watchVerdict(acl, ['flat', 'c']), { send: false, withValue: false }, 'no e at flat');
    assert.deepEqual(watchVerdict(NULL_ACL, ['any', 'thing']), { send: true, withValue: true });
  });

  it('enum filters', () => {
    const { s, acl } = setup();
    const root = s.root;
    const pub = acl.step('pub');
    assert.deepEqual(enumAccess(pub, s.get(['pub', 'a'])!), { list: true, value: 'value' });
    assert.deepEqual(enumAccess(pub, s.get(['pub', 'secret'])!), { list: false, value: 'omit' });
    const blind = acl.step('blind');
    assert.deepEqual(enumAccess(blind, s.get(['blind', 'b'])!), { list: true, value: 'none' }, 'parent lacks x');
    assert.ok(root);
  });

  it('ACL error text names the deciding ACL node and the mode, as python does', () => {
    const { s, acl } = setup();
    try {
      followAcl(s.root, ['pub'], acl, 'W', 'create');
      assert.fail('w must be denied');
    } catch (e) {
      assert.ok(e instanceof AclError);
      assert.equal(aclErrorText(e), "(<AclEntry::n.acl.foo.pub ='rxe'>, 'w')");
    }
  });
});
