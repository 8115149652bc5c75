/**
 * One Lambda-like execution environment (a worker thread started by infra/local/sandbox.ts): loads
 * one function's bundle once (its own module instances, its own process.env), then runs one
 * invocation at a time. Plain JavaScript so it starts without a TypeScript loader.
 */
import { enableCompileCache } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

/** @type {{ module: string, handler: string, functionName: string, functionArn: string, memoryMb: number, logGroupName: string, compileCache?: string }} */
const config = workerData;

// V8's compiled code of the bundle, kept on disk: a cold start then parses far less.
if (config.compileCache) enableCompileCache(config.compileCache);

function describe(error) {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack ?? '' };
  return { name: 'Error', message: String(error), stack: '' };
}

// NODE_OPTIONS is read at process start only; a worker honours the function's setting this way.
if (process.env.NODE_OPTIONS?.includes('--enable-source-maps')) process.setSourceMapsEnabled(true);

let handler;
try {
  const module = await import(config.module);
  handler = module[config.handler];
  if (typeof handler !== 'function') {
    parentPort.postMessage({
      type: 'init-error',
      error: {
        name: 'Runtime.HandlerNotFound',
        message: `${config.module}: ${config.handler} is undefined or not exported`,
        stack: '',
      },
    });
  } else {
    parentPort.postMessage({ type: 'ready' });
  }
} catch (error) {
  // Lambda reports a module that fails to load as Runtime.ImportModuleError.
  const { message, stack } = describe(error);
  parentPort.postMessage({
    type: 'init-error',
    error: { name: 'Runtime.ImportModuleError', message, stack },
  });
}

parentPort.on('message', async (message) => {
  if (message.type !== 'invoke') return;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: config.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: config.functionArn,
    memoryLimitInMB: String(config.memoryMb),
    awsRequestId: message.requestId,
    logGroupName: config.logGroupName,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, message.deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
  try {
    const result = await handler(JSON.parse(message.event), context);
    // Lambda returns JSON: what JSON cannot carry is lost here too.
    parentPort.postMessage({ type: 'result', id: message.id, payload: JSON.stringify(result ?? null) });
  } catch (error) {
    parentPort.postMessage({ type: 'error', id: message.id, error: describe(error) });
  }
});
