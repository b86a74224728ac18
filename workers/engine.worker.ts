// The engine's Web Worker: exposes the engine over comlink. Nothing else lives here.
import { expose } from 'comlink';
import { workerApi } from '../src/engine/worker-adapter.ts';

expose(workerApi());
