// HllmError codes survive comlink's structured-clone boundary (a real MessageChannel).
import { expose, wrap } from 'comlink';
import { describe, expect, it } from 'vitest';
import { installErrorTransfer } from './comlink-setup.ts';
import { HllmError } from './errors.ts';

describe('errors across comlink', () => {
  it('rebuilds HllmError with code and details; plain errors stay Errors', async () => {
    installErrorTransfer();
    const { port1, port2 } = new MessageChannel();
    expose({
      bad: async () => { throw new HllmError('UNKNOWN_ITEM', 'no such item', { itemId: 'x' }); },
      plain: async () => { throw new TypeError('boom'); },
    }, port1);
    const remote = wrap<{ bad(): Promise<void>; plain(): Promise<void> }>(port2);
    const e = await remote.bad().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HllmError);
    expect((e as HllmError).code).toBe('UNKNOWN_ITEM');
    expect((e as HllmError).details).toEqual({ itemId: 'x' });
    const p = await remote.plain().catch((x: unknown) => x);
    expect(p).toBeInstanceOf(Error);
    expect(p).not.toBeInstanceOf(HllmError);
    expect((p as Error).name).toBe('TypeError');
    port1.close();
    port2.close();
  });
});
