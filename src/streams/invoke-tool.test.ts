import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Tool, ToolContext } from '../tools/tool.js';
import { invokeTool } from './invoke-tool.js';

const context = { user: 'u', executionId: 'run-1', taskId: 'call_1' };

describe('invokeTool', () => {
  it('gives a tool that reads its signal only after the call was cancelled an aborted one', async () => {
    let later!: (ctx: ToolContext) => void;
    const seen = new Promise<AbortSignal>((resolve) => (later = (ctx) => resolve(ctx.signal)));
    const tool: Tool = {
      name: 'slow',
      description: 'reads its signal late',
      parameters: z.object({}),
      execute: (_args, ctx) => new Promise(() => setTimeout(() => later(ctx), 5)),
    };
    const subscription = invokeTool(tool, {}, context).subscribe();
    subscription.unsubscribe();
    const signal = await seen;
    expect(signal.aborted).toBe(true);
    expect((signal.reason as DOMException).name).toBe('AbortError');
  });

  it('aborts a signal read before the cancel, and leaves a settled call alone', async () => {
    const signals: AbortSignal[] = [];
    const tool = (answer: boolean): Tool => ({
      name: 't',
      description: 'x',
      parameters: z.object({}),
      execute: (_args, ctx) => {
        signals.push(ctx.signal);
        return answer ? 'done' : new Promise(() => {});
      },
    });
    invokeTool(tool(false), {}, context).subscribe().unsubscribe();
    invokeTool(tool(true), {}, context).subscribe().unsubscribe();
    expect(signals.map((s) => s.aborted)).toEqual([true, false]);
  });
});
