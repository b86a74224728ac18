// The engine worker for tests: the same engine and worker API as workers/engine.worker.ts,
// plus the test hooks (WorkerTestHooks) on the same comlink endpoint. Nothing else lives here.
import { expose } from 'comlink';
import { createEngine } from '../engine/engine.ts';
import { workerApi } from '../engine/worker-adapter.ts';
import { workerTestHooks } from './worker-hooks.ts';

const engine = createEngine();
expose({ ...workerApi(engine), ...workerTestHooks(engine) });
