import { toSapflowError } from './errors/index.js';
import { stopOnSignals } from './stop-on-signals.js';
import { startWorker } from './worker.js';

/** `npm run worker`: announces itself, and on SIGTERM hands its runs over before it exits. */
try {
  const worker = await startWorker();
  const { runtime } = worker;
  const health = await runtime.cluster!.health();
  console.log(`Sapflow worker on queue ${health.queue.prefix}:${health.queue.name}, ${runtime.config.WORKER_CONCURRENCY} runs at a time`);
  console.log(`  redis: ${health.redis.reachable ? 'reachable' : 'not reachable yet (reconnecting)'}; database: Postgres (DATABASE_URL)`);
  if (worker.url) console.log(`  health: ${worker.url}/health`);
  stopOnSignals(() => worker.close());
} catch (error) {
  const e = toSapflowError(error);
  console.error(`Sapflow worker could not start: [${e.code}] ${e.message}`);
  process.exit(1);
}
