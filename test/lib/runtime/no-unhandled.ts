// Fails the surrounding suite if any promise rejection goes unhandled while it runs: transport
// errors must surface as TransportErrors through the seams, never as stray rejections.
import { strict as assert } from 'node:assert';

export function failOnUnhandledRejections(): void {
  const seen: unknown[] = [];
  const listener = (reason: unknown): void => {
    seen.push(reason);
  };
  before(() => {
    process.on('unhandledRejection', listener);
  });
  after(async () => {
    // Let rejections from the last test reach the listener before judging.
    await new Promise((r) => setTimeout(r, 20));
    process.off('unhandledRejection', listener);
    assert.deepEqual(seen, [], 'unhandled promise rejections');
  });
}
