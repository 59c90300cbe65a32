/** Child process of the load bench: the scripted OpenAI-compatible upstream and the tool service, on 127.0.0.1. */
import { startChatToolServer } from '../test/support/chat-tool-server.js';
import { startScriptedOpenAI } from '../test/support/scripted-openai.js';
import { loadScript } from './load-scene.js';

const openai = await startScriptedOpenAI({ script: (body: Parameters<typeof loadScript>[0]) => loadScript(body) });
const tools = await startChatToolServer();
// the recorders of the test servers would grow without bound over a soak: keep them empty
setInterval(() => {
  openai.requests.length = 0;
  tools.requests.length = 0;
}, 1_000).unref();
process.send?.({ ready: { openaiUrl: openai.url, toolsUrl: tools.url } });
process.on('disconnect', () => process.exit(0));
