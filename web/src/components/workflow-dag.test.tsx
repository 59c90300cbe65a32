// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TaskSnapshot } from '../react/index.js';
import { WorkflowDag } from './workflow-dag.js';

afterEach(cleanup);

const tasks: TaskSnapshot[] = [
  { id: 'a', name: 'List emails', function: 'list_emails', status: 'completed', dependencies: [], attempts: 1, durationMs: 700 },
  { id: 'b', name: 'Confirmation email', function: 'send_email', status: 'failed', dependencies: ['a'], attempts: 3, durationMs: 1200, error: { code: 'tool_failed', message: 'SMTP refused' } },
  { id: 'c', name: 'Update record', function: 'update_client_record', status: 'running', dependencies: ['a'], attempts: 1 },
  { id: 'd', name: 'Retainer letter', function: 'generate_retainer_letter', status: 'skipped', dependencies: ['b'], attempts: 0 },
];

describe('WorkflowDag', () => {
  it('labels every node with its status in words, not only colour, and selects on click or Enter', () => {
    const onSelect = vi.fn();
    render(<WorkflowDag tasks={tasks} onSelect={onSelect} />);
    expect(screen.getByRole('button', { name: 'List emails: Completed, 700 ms' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Confirmation email: Failed, 1.2 s' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Update record: Running' })).toBeTruthy();
    const skipped = screen.getByRole('button', { name: 'Retainer letter: Skipped' });
    expect(skipped.textContent).toContain('Skipped');
    expect(document.querySelectorAll('.dag-edge')).toHaveLength(3);
    fireEvent.click(screen.getByRole('button', { name: /^Update record/ }));
    fireEvent.keyDown(skipped, { key: 'Enter' });
    expect(onSelect.mock.calls).toEqual([['c'], ['d']]);
  });
});
