// The engine worker for tests: the same engine and worker API as workers/engine.worker.ts,
// plus the test hooks (WorkerTestHooks) on the same comlink endpoint. Nothing else lives here.
import { expose } from 'comlink';
import { workerApi } from '../engine/worker-adapter.ts';
import { TestEngine } from './test-engine.ts';
import { workerTestHooks } from './worker-hooks.ts';

const engine = new TestEngine();
expose({ ...workerApi(engine), ...workerTestHooks(engine) });
