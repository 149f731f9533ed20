// /v2/stats/store counters, named and ordered as etcd's.
const FIELDS = [
  'getsSuccess',
  'getsFail',
  'setsSuccess',
  'setsFail',
  'deleteSuccess',
  'deleteFail',
  'updateSuccess',
  'updateFail',
  'createSuccess',
  'createFail',
  'compareAndSwapSuccess',
  'compareAndSwapFail',
  'compareAndDeleteSuccess',
  'compareAndDeleteFail',
  'expireCount',
] as const;

export class StoreStats {
  private readonly c = new Map<string, number>(FIELDS.map((f) => [f, 0]));

  inc(field: string): void {
    this.c.set(field, (this.c.get(field) ?? 0) + 1);
  }

  toJSON(watchers: number): Record<string, number> {
    return { ...Object.fromEntries(this.c), watchers };
  }
}
