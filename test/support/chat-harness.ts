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
