// etcd v2's parseKeyRequest (v2http/client.go): form fields → a key request, with the same
// checks in the same order and the same error codes and causes.
import { Ecode, EtcdError } from './errors.js';
import { type Form, formBool, formUint, formValue } from './form.js';
import { cleanKey } from './tree.js';

export type KeyMethod = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';

export interface KeyRequest {
  method: KeyMethod;
  /** Cleaned etcd key, "/" for the root. */
  key: string;
  value: string;
  dir: boolean;
  prevValue: string;
  prevIndex: number;
  /** undefined = not given. */
  prevExist?: boolean;
  wait: boolean;
  waitIndex: number;
  recursive: boolean;
  sorted: boolean;
  quorum: boolean;
  stream: boolean;
  /** Seconds; undefined = no TTL (permanent). */
  ttl?: number;
  refresh: boolean;
  noValueOnSuccess: boolean;
}

function bool(form: Form, key: string): boolean {
  const b = formBool(form, key);
  if (b === undefined) throw new EtcdError(Ecode.InvalidField, `invalid value for "${key}"`);
  return b;
}

/** `keyPath` is the decoded URL path after "/v2/keys". Throws EtcdError. */
export function parseKeyRequest(method: KeyMethod, keyPath: string, form: Form): KeyRequest {
  const prevIndex = formUint(form, 'prevIndex');
  if (prevIndex === undefined) throw new EtcdError(Ecode.IndexNaN, 'invalid value for "prevIndex"');
  const waitIndex = formUint(form, 'waitIndex');
  if (waitIndex === undefined) throw new EtcdError(Ecode.IndexNaN, 'invalid value for "waitIndex"');
  const recursive = bool(form, 'recursive');
  const sorted = bool(form, 'sorted');
  const wait = bool(form, 'wait');
  const dir = bool(form, 'dir');
  const quorum = bool(form, 'quorum');
  const stream = bool(form, 'stream');
  if (wait && method !== 'GET') throw new EtcdError(Ecode.InvalidField, '"wait" can only be used with GET requests');
  const prevValue = formValue(form, 'prevValue');
  if (form.has('prevValue') && prevValue === '') throw new EtcdError(Ecode.PrevValueRequired, '"prevValue" cannot be empty');
  const noValueOnSuccess = bool(form, 'noValueOnSuccess');
  let ttl: number | undefined;
  if (formValue(form, 'ttl').length > 0) {
    ttl = formUint(form, 'ttl');
    if (ttl === undefined) throw new EtcdError(Ecode.TTLNaN, 'invalid value for "ttl"');
  }
  let prevExist: boolean | undefined;
  if (form.has('prevExist')) {
    prevExist = formBool(form, 'prevExist');
    if (prevExist === undefined) throw new EtcdError(Ecode.InvalidField, 'invalid value for prevExist');
  }
  let refresh = false;
  if (form.has('refresh')) {
    const r = formBool(form, 'refresh');
    if (r === undefined) throw new EtcdError(Ecode.InvalidField, 'invalid value for refresh');
    refresh = r;
    if (refresh) {
      if (form.has('value') && formValue(form, 'value') !== '') throw new EtcdError(Ecode.RefreshValue, 'A value was provided on a refresh');
      if (ttl === undefined) throw new EtcdError(Ecode.RefreshTTLRequired, 'No TTL value set');
    }
  }
  return {
    method,
    key: cleanKey(keyPath),
    value: formValue(form, 'value'),
    dir,
    prevValue,
    prevIndex,
    prevExist,
    wait,
    waitIndex,
    recursive,
    sorted,
    quorum,
    stream,
    ttl,
    refresh,
    noValueOnSuccess,
  };
}
