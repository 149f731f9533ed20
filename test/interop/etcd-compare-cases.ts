// Request cases for test/interop/etcd-compare.test.ts, after etcd's own v2 HTTP integration tests
// (integration/v2_http_kv_test.go: set, create/update, CAS, CAD, delete, in-order keys, get,
// watch, watch with index, watch a key in a dir, TTL) plus hidden keys, refresh and bad input.
// Paths may depend on `b`, the X-Etcd-Index before the case (indexes are compared relatively).

export type Method = 'GET' | 'PUT' | 'POST' | 'DELETE' | 'HEAD';
export type PathFn = string | ((b: number) => string);

export type Step =
  | { m: Method; path: PathFn; form?: Record<string, string>; raw?: string; looseIndex?: boolean }
  | { watch: PathFn; as: string }
  | { await: string; looseIndex?: boolean }
  | { sleep: number };

export interface Case {
  name: string;
  steps: Step[];
}

const put = (path: PathFn, form?: Record<string, string>): Step => ({ m: 'PUT', path, form });
const get = (path: PathFn): Step => ({ m: 'GET', path });
const del = (path: PathFn): Step => ({ m: 'DELETE', path });
const post = (path: PathFn, form?: Record<string, string>): Step => ({ m: 'POST', path, form });

export const CASES: Case[] = [
  {
    name: 'set',
    steps: [
      put('/set/foo/bar', { value: 'bar' }),
      put('/setdir?dir=true', {}),
      put('/setempty', { value: '' }),
      put('/set/foo/novalue', { value: 'bar', noValueOnSuccess: 'true' }),
      put('/set/foo/bar', { value: 'baz' }),
      get('/set/foo?sorted=true'),
      get('/set/foo/bar'),
      put('/set/foo', { value: 'x' }),
      put('/set/foo/bar/baz', { value: 'x' }),
      put('/', { value: 'x' }),
      put('/setdir', { value: 'x' }),
      put('/set/foo/bar?dir=true', {}),
    ],
  },
  {
    name: 'create and update',
    steps: [
      put('/ttl/foo', { value: 'XXX', ttl: '20' }),
      put('/ttl/foo', { value: 'XXX', ttl: 'bad_ttl' }),
      put('/ttl/foo', { value: 'XXX', ttl: '-1' }),
      put('/create/foo', { value: 'XXX', prevExist: 'false' }),
      put('/create/foo', { value: 'XXX', prevExist: 'false' }),
      put('/create/foo', { value: 'YYY', prevExist: 'true', ttl: '20' }),
      put('/create/foo', { value: 'ZZZ', prevExist: 'true' }),
      put('/nonexist', { value: 'XXX', prevExist: 'true' }),
      put('/create/novalue', { value: 'XXX', prevExist: 'false', noValueOnSuccess: 'true' }),
      put('/create/novalue', { value: 'YYY', prevExist: 'true', noValueOnSuccess: 'true' }),
      put('/create/foo', { value: 'XXX', prevExist: 'maybe' }),
      put('/createdir?dir=true', { prevExist: 'false' }),
      put('/createdir', { value: 'x', prevExist: 'true' }),
      put('/createdir', { prevExist: 'true', ttl: '20' }),
    ],
  },
  {
    name: 'compare and swap',
    steps: [
      put('/cas/foo', { value: 'XXX' }),
      put('/cas/foo', { value: 'YYY', prevValue: 'XXX' }),
      put('/cas/foo', { value: 'YYY', prevValue: 'bad_value' }),
      put('/cas/foo', { value: 'ZZZ' }),
      { m: 'PUT', path: (b) => `/cas/foo?prevIndex=${b + 3}`, form: { value: 'AAA' } },
      { m: 'PUT', path: (b) => `/cas/foo?prevIndex=${b + 1}`, form: { value: 'BBB' } },
      put('/cas/foo', { value: 'XXX', prevIndex: 'bad_index' }),
      put('/cas/foo', { value: 'XXX', prevValue: '' }),
      { m: 'PUT', path: (b) => `/cas/foo?prevIndex=${b + 1}`, form: { value: 'CCC', prevValue: 'nope' } },
      put('/cas/foo', { value: 'DDD', prevValue: 'AAA', prevExist: 'true' }),
      put('/cas/nonexist', { value: 'XXX', prevValue: 'x' }),
      put('/casdir?dir=true', {}),
      put('/casdir', { value: 'XXX', prevValue: 'x' }),
      put('/cas', { value: 'x', prevValue: 'x' }),
    ],
  },
  {
    name: 'compare and delete',
    steps: [
      put('/cad/foo', { value: 'XXX' }),
      put('/cad/bar', { value: 'XXX' }),
      del('/cad/foo?prevValue=YYY'),
      del('/cad/foo?prevValue=XXX'),
      { m: 'DELETE', path: (b) => `/cad/bar?prevIndex=${b + 1}` },
      { m: 'DELETE', path: (b) => `/cad/bar?prevIndex=${b + 2}` },
      del('/cad/bar?prevIndex=bad'),
      del('/cad/none?prevValue=x'),
      del('/cad?prevValue=x'),
    ],
  },
  {
    name: 'delete',
    steps: [
      put('/del/foo', { value: 'XXX' }),
      put('/deldir?dir=true', {}),
      put('/deldir/a', { value: '1' }),
      put('/emptydir?dir=true', {}),
      del('/del/foo'),
      del('/del/foo'),
      del('/deldir'),
      del('/deldir?dir=true'),
      del('/emptydir'),
      del('/emptydir?dir=true'),
      del('/'),
      del('/deldir?recursive=bad'),
      // one etcd event, but one DistKV deletion per value below: the index moves by more than 1
      { m: 'DELETE', path: '/deldir?recursive=true', looseIndex: true },
    ],
  },
  {
    name: 'in-order keys',
    steps: [
      post('/queue', { value: 'XXX' }),
      post('/queue', { value: 'YYY' }),
      get('/queue?recursive=true&sorted=true'),
      put('/queuefile', { value: 'f' }),
      post('/queuefile', { value: 'x' }),
      post('/queue?dir=true', {}),
      post('/queue', { value: 'ZZZ', ttl: '20' }),
    ],
  },
  {
    name: 'get',
    steps: [
      put('/get/foo/bar/zar', { value: 'XXX' }),
      put('/get/foo/baz', { value: 'YYY' }),
      put('/get/_hidden', { value: 'h' }),
      put('/get/foo/_hid', { value: 'h' }),
      get('/get/foo?sorted=true'),
      get('/get/foo?recursive=true&sorted=true'),
      get('/get?recursive=true&sorted=true'),
      get('/get/_hidden'),
      get('/get/foo/bar/zar'),
      get('/get/none'),
      get('/get/foo/bar/zar/deeper'),
      get('/get?recursive=maybe'),
      get('/get?quorum=true&sorted=true'),
      { m: 'HEAD', path: '/get/foo/baz' },
      { m: 'HEAD', path: '/get/nope' },
    ],
  },
  {
    name: 'watch',
    steps: [
      { watch: '/watch/foo?wait=true', as: 'w' },
      { sleep: 100 },
      put('/watch/foo', { value: 'XXX' }),
      { await: 'w' },
      { watch: '/watch?wait=true&recursive=true', as: 'r' },
      { sleep: 100 },
      put('/watch/_hidden', { value: 'h' }),
      put('/watch/a/b', { value: 'deep' }),
      { await: 'r' },
      { watch: '/watch/foo?wait=true', as: 'd' },
      { sleep: 100 },
      del('/watch/foo'),
      { await: 'd' },
    ],
  },
  {
    name: 'watch with index',
    steps: [
      put('/wi/foo', { value: 'XXX' }),
      put('/wi/foo', { value: 'YYY' }),
      { watch: (b) => `/wi/foo?wait=true&waitIndex=${b + 1}`, as: 'past' },
      { await: 'past' },
      { watch: (b) => `/wi/foo?wait=true&waitIndex=${b + 2}`, as: 'second' },
      { await: 'second' },
      { watch: (b) => `/wi/foo?wait=true&waitIndex=${b + 4}`, as: 'future' },
      { sleep: 100 },
      put('/wi/other', { value: 'o' }),
      put('/wi/foo', { value: 'ZZZ' }),
      { await: 'future' },
      { watch: '/wi/foo?wait=true&waitIndex=bad', as: 'bad' },
      { await: 'bad' },
      { watch: '/wi/foo?wait=true&recursive=bad', as: 'bad2' },
      { await: 'bad2' },
      { m: 'PUT', path: '/wi/foo?wait=true', form: { value: 'x' } },
    ],
  },
  {
    name: 'watch a key in a dir (TTL)',
    steps: [
      put('/keyindir?dir=true', { ttl: '1' }),
      put('/keyindir/bar', { value: 'XXX' }),
      { watch: '/keyindir/bar?wait=true', as: 'w' },
      { await: 'w' },
      // our directory expiry deletes the children as separate DistKV changes: the index moved more
      { m: 'GET', path: '/keyindir', looseIndex: true },
    ],
  },
  {
    name: 'TTL expiry and refresh',
    steps: [
      put('/ttlx', { value: 'XXX', ttl: '1' }),
      { watch: '/ttlx?wait=true', as: 'w' },
      { await: 'w' },
      get('/ttlx'),
      put('/rf', { value: 'v', ttl: '20' }),
      put('/rf', { refresh: 'true', ttl: '30', prevExist: 'true' }),
      put('/rf', { refresh: 'true', ttl: '30', value: 'w' }),
      put('/rf', { refresh: 'true' }),
      put('/rf', { refresh: 'true', ttl: '30' }),
      put('/rfnone', { refresh: 'true', ttl: '30' }),
      get('/rf'),
    ],
  },
  {
    name: 'bad input',
    steps: [
      { m: 'PUT', path: '/bad?value=%zz' },
      { m: 'PUT', path: '/bad', raw: 'value=%zz' },
      { m: 'PUT', path: '/bad?value=a;b=c' },
      { m: 'PUT', path: '/bad', raw: 'value=plus+sign%20and%2Fslash' },
      get('/bad'),
      { m: 'PUT', path: '/bad?value=fromquery', form: { value: 'frombody' } },
      get('/bad'),
      put('/bad', { value: 'x', prevIndex: '-1' }),
      put('/bad', { value: 'x', prevIndex: '99999999999999999999999' }),
      put('/bad', { value: 'x', ttl: '1.5' }),
      put('/bad', { value: 'x', dir: 'yes' }),
      put('/bad', { value: 'x', refresh: 'nah' }),
      { m: 'PUT', path: '/bad?value=q&value=r' },
      get('/bad'),
      get('/bad?stream=maybe'),
      get('/bad?noValueOnSuccess=maybe'),
    ],
  },
];
