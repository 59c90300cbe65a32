import type { ScriptedReply, ScriptStep } from '../test/support/scripted-openai.js';

/**
 * The chat bench's scenes: one model turn that calls tools (arguments streamed in fragments), the tools, then a final
 * model step that writes the answer. Every runner is served by the same scripted upstream and the same tool service.
 */
export interface ChatScene {
  id: string;
  title: string;
  /** In the order the model streams them. */
  tools: Array<{ name: string; ms: number }>;
  /** Delay before each fragment of the tool-calling turn. */
  argDelayMs: number;
  /** Delay before each text fragment of the final step. */
  finalDelayMs: number;
}

const FRAGMENT_SIZE = 8;
const FINAL_TEXT = 'All three lookups are back: two matters are open and one invoice is overdue.';

export const SCENES: ChatScene[] = [
  {
    id: 'a',
    title: '3 tools x 300 ms, arguments streamed fast',
    tools: [
      { name: 'search_cases', ms: 300 },
      { name: 'search_statutes', ms: 300 },
      { name: 'search_filings', ms: 300 },
    ],
    argDelayMs: 0,
    finalDelayMs: 0,
  },
  {
    id: 'b',
    title: 'tools of 900, 300, 100 ms, arguments at 20 ms per fragment',
    tools: [
      { name: 'review_contract', ms: 900 },
      { name: 'screen_parties', ms: 300 },
      { name: 'fetch_client_file', ms: 100 },
    ],
    argDelayMs: 20,
    finalDelayMs: 20,
  },
];

export const promptOf = (scene: ChatScene) => `bench scene ${scene.id}`;

function argumentsOf(tool: { name: string }): Record<string, unknown> {
  return { note: `everything on file for ${tool.name}` };
}

export function toolTurn(scene: ChatScene): ScriptedReply {
  return {
    delayMs: scene.argDelayMs,
    fragmentSize: FRAGMENT_SIZE,
    usage: false,
    toolCalls: scene.tools.map((tool) => ({ name: tool.name, arguments: argumentsOf(tool) })),
  };
}

export function finalStep(scene: ChatScene): ScriptedReply {
  return { text: FINAL_TEXT, delayMs: scene.finalDelayMs, fragmentSize: FRAGMENT_SIZE, usage: false };
}

/** The scripted upstream for every scene: the tool turn, or the final step once tool results are in. */
export function benchScript(body: { messages: Array<{ role: string; content?: unknown }> }): ScriptStep {
  const prompt = body.messages.find((m) => m.role === 'user')?.content;
  const scene = SCENES.find((s) => promptOf(s) === prompt);
  if (!scene) return { fail: { status: 400, message: `no bench scene for ${String(prompt)}` } };
  return body.messages.at(-1)?.role === 'tool' ? finalStep(scene) : toolTurn(scene);
}

const pieces = (text: string) => Math.ceil(text.length / FRAGMENT_SIZE);

/**
 * When the scripted server sends each call's last argument fragment (ms after the response starts), and the nominal
 * physical limit: the latest moment any tool can finish (its last fragment + its duration) plus the final step.
 */
export function physicalLimit(scene: ChatScene): { lastFragmentMs: number[]; turnMs: number; finalStepMs: number; limitMs: number } {
  let t = 0;
  const lastFragmentMs = scene.tools.map((tool) => {
    // one fragment with the id and name, then the arguments in pieces
    t += scene.argDelayMs * (1 + pieces(JSON.stringify(argumentsOf(tool))));
    return t;
  });
  const finalStepMs = scene.finalDelayMs * pieces(FINAL_TEXT);
  const toolsDoneMs = Math.max(...scene.tools.map((tool, i) => lastFragmentMs[i]! + tool.ms));
  return { lastFragmentMs, turnMs: t, finalStepMs, limitMs: toolsDoneMs + finalStepMs };
}
