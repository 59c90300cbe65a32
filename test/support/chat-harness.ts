import { startSapflow, type RunningSapflow, type StartOptions } from '../../src/server.js';
import { startScriptedOpenAI, type Script, type ScriptedOpenAI } from './scripted-openai.js';
import { startChatToolServer, writeToolsConfig, type ChatToolServer, type ChatToolSpec } from './chat-tool-server.js';

/** A gateway wired to a scripted OpenAI-compatible server and a real tool service, all on 127.0.0.1. */
export interface ChatHarness {
  url: string;
  sapflow: RunningSapflow;
  openai: ScriptedOpenAI;
  toolServer: ChatToolServer;
  close(): Promise<void>;
}

export interface ChatHarnessOptions {
  script: Script;
  tools?: ChatToolSpec[];
  env?: Record<string, string>;
  runtime?: StartOptions['runtime'];
}

export async function startChatHarness(options: ChatHarnessOptions): Promise<ChatHarness> {
  const openai = await startScriptedOpenAI({ script: options.script });
  const toolServer = await startChatToolServer();
  const config = await writeToolsConfig(toolServer, options.tools ?? []);
  let sapflow: RunningSapflow;
  try {
    sapflow = await startSapflow({
      port: 0,
      host: '127.0.0.1',
      // only what the test says: the CI's DATABASE_URL or a real API key must not leak in
      env: {
        DATA_DIR: ':memory:',
        OPENAI_API_KEY: 'sk-test-chat-harness',
        OPENAI_BASE_URL: openai.url,
        TOOLS_CONFIG: config.path,
        ...options.env,
      },
      runtime: options.runtime,
    });
  } catch (error) {
    await Promise.all([openai.close(), toolServer.close(), config.remove()]);
    throw error;
  }
  return {
    url: sapflow.url,
    sapflow,
    openai,
    toolServer,
    close: async () => {
      await sapflow.close();
      await Promise.all([openai.close(), toolServer.close(), config.remove()]);
    },
  };
}

/** A turn's execution log once it is complete: it ends with the turn's `finish` (after its `workflow-finish`). */
export async function readTurnLog<E extends { type: string }>(sapflow: RunningSapflow, executionId: string, timeoutMs = 2_000): Promise<E[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await sapflow.runtime.writer.flush(executionId);
    const events = (await sapflow.runtime.store.readEvents<E>(executionId, 'local')).map((e) => e.event);
    if (events.at(-1)?.type === 'finish' || Date.now() > deadline) return events;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
