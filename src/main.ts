import { toSapflowError } from './errors/index.js';
import { startSapflow } from './server.js';
import { stopOnSignals } from './stop-on-signals.js';

/** `npm start`: the gateway on its embedded defaults, announced honestly; SIGTERM flushes the logs before exit. */
try {
  const app = await startSapflow();
  const { runtime } = app;
  const { config } = runtime;
  console.log(`Sapflow listening on ${app.url}`);
  console.log(`  model: ${runtime.model.kind === 'openai' ? `OpenAI-compatible (${config.OPENAI_MODEL}${config.OPENAI_BASE_URL ? ` at ${config.OPENAI_BASE_URL}` : ''})` : 'offline demo model - it matches tools by name, it does not understand language (set OPENAI_API_KEY for a real one)'}`);
  console.log(`  database: ${runtime.db.kind === 'postgres' ? 'Postgres (DATABASE_URL)' : `embedded PGlite in ${config.DATA_DIR}`}`);
  console.log(`  tools: ${runtime.tools.list().length}, workflow templates: ${runtime.catalog.list().map((w) => w.id).join(', ')}`);
  for (const notice of runtime.notices) console.log(`  note: ${notice}`);
  stopOnSignals(() => app.close());
} catch (error) {
  const e = toSapflowError(error);
  console.error(`Sapflow could not start: [${e.code}] ${e.message}`);
  process.exit(1);
}
