// Registers comlink's 'throw' transfer handler on both sides of the worker boundary so an
// HllmError arrives as an HllmError with its code and details (comlink's default keeps
// only message, name and stack).
import { transferHandlers, type TransferHandler } from 'comlink';
import { deserializeError, serializeError, type SerializedError } from './errors.ts';

type Thrown = { value: unknown };
type Wire = { isError: true; value: SerializedError } | { isError: false; value: unknown };

let installed = false;

export function installErrorTransfer(): void {
  if (installed) return;
  installed = true;
  const base = transferHandlers.get('throw') as TransferHandler<Thrown, Wire> | undefined;
  if (!base) throw new Error('comlink has no throw handler to extend');
  const handler: TransferHandler<Thrown, Wire> = {
    canHandle: (v): v is Thrown => base.canHandle(v),
    serialize({ value }) {
      if (value instanceof Error) return [{ isError: true, value: serializeError(value) }, []];
      return [{ isError: false, value }, []];
    },
    deserialize(w) {
      if (w.isError) throw deserializeError(w.value);
      throw w.value;
    },
  };
  transferHandlers.set('throw', handler as TransferHandler<unknown, unknown>);
}
