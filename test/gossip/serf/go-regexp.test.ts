import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { compileGoRegexp, translateGoRegexp } from '../../../gossip/serf/go-regexp.js';

const match = (expr: string, s: string) => compileGoRegexp(expr).test(s);

describe('Go (RE2) tag-filter regexps on JS RegExp', () => {
  it('plain patterns mean the same', () => {
    assert.equal(match('^web-[0-9]+$', 'web-12'), true);
    assert.equal(match('db|cache', 'xcachex'), true);
    assert.equal(match('a.c', 'a\nc'), false);
    assert.equal(match('(?s)a.c', 'a\nc'), true);
    assert.equal(match('(?i)WEB', 'web'), true);
    assert.equal(match('x{2,3}', 'xx'), true);
    assert.equal(match('a{', 'a{'), true); // a literal '{' in both
  });

  it('translates RE2 spellings JS lacks: (?P<n>), \\A \\z, \\Q…\\E, \\x{…}, \\a, POSIX classes', () => {
    assert.equal(match('(?P<x>w)eb', 'web'), true);
    assert.equal(match('\\Aweb\\z', 'web'), true);
    assert.equal(match('\\Aweb\\z', 'web\n'), false);
    assert.equal(match('\\Aweb', 'xweb'), false);
    assert.equal(match('\\Qa.b*\\E', 'a.b*'), true);
    assert.equal(match('\\Qa.b*\\E', 'axbb'), false);
    assert.equal(match('\\x{41}', 'A'), true);
    assert.equal(match('\\a', '\x07'), true);
    assert.equal(match('^[[:alpha:]]+$', 'abcXYZ'), true);
    assert.equal(match('^[[:digit:][:upper:]]+$', '9Z'), true);
    assert.equal(match('^[[:alpha:]]+$', 'ab:'), false);
  });

  it("keeps Go's meaning where JS differs: \\s is ASCII only, a leading ] in a class is literal", () => {
    assert.equal(match('\\s', '\u00a0'), false); // JS's \s would match NBSP
    assert.equal(match('\\s', '\v'), false); // Go's \s has no \v
    assert.equal(match('^\\S+$', 'a\u00a0b'), true);
    assert.equal(match('[\\s]', ' '), true);
    assert.equal(match('^[]a]+$', ']a]'), true);
    assert.equal(match('^[^]a]$', 'b'), true);
    assert.equal(match('^[^]a]$', ']'), false);
  });

  it('refuses what RE2 refuses or JS would read differently', () => {
    for (const bad of ['(a)\\1', 'a(?=b)', 'a(?!b)', '(?<=a)b', '(?<!a)b', '\\y', '\\Z', '\\pL', '\\p{Greek}', '\\C', 'a{1001}', 'a{1,2000}', '(?U)a+', 'a(?i)b', '(?<n>a)', '[[:foo:]]', '[[:^alpha:]]', '[\\S]', '[a', '\\x{110000}', '(a+)+$', '(a*)*b', 'a\\']) {
      const t = translateGoRegexp(bad);
      assert.equal(t.ok, false, bad);
      assert.throws(() => compileGoRegexp(bad), /error parsing regexp/, bad);
    }
  });

  it("anchors as Go's members filter does: ^expr$ without a group", () => {
    assert.equal(compileGoRegexp('a|b', true).test('axx'), true); // ^a | b$
    assert.equal(compileGoRegexp('web.*', true).test('xweb'), false);
  });

  it('never throws from translate, and what it accepts compiles', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'ab.*+?()[]{}|^$\\:-,PQEAzsSx0123456789<=!'.split('')), maxLength: 12 }), (p) => {
        const t = translateGoRegexp(p);
        if (t.ok) new RegExp(t.source, t.flags);
      }),
    );
  });
});
