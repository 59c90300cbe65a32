import { describe, expect, it } from 'vitest';
import { compileWorkflow } from './compile-workflow.js';
import { escapeLabel, toMermaid } from './to-mermaid.js';

const hasTool = () => true;

describe('toMermaid', () => {
  it('draws nodes, edges, conditions, groups and optional tasks', () => {
    const compiled = compileWorkflow(
      {
        id: 'legal_intake',
        inputs: { client_email: { type: 'string' } },
        tasks: [
          { id: 'list_recent_emails', name: 'List recent emails', function: 'list_emails', parameters: { q: 'from:${client_email}' } },
          { id: 'conflict_check', function: 'check_conflicts', parameters: { e: '${list_recent_emails.result}' } },
          { id: 'generate_retainer', function: 'generate_retainer_letter', condition: 'conflict_check.result.has_conflicts == false', parallel_group: 'finalize' },
          { id: 'notify', function: 'send_email', dependencies: ['conflict_check'], parallel_group: 'finalize', critical: false },
        ],
      },
      { hasTool },
    );
    expect(toMermaid(compiled)).toBe(
      [
        'flowchart TD',
        '  t_list_recent_emails["List recent emails<br/>list_emails"]',
        '  t_conflict_check["conflict_check<br/>check_conflicts"]',
        '  subgraph g0["finalize"]',
        '    t_generate_retainer{{"generate_retainer<br/>generate_retainer_letter<br/>if conflict_check.result.has_conflicts == false"}}',
        '    t_notify["notify<br/>send_email"]',
        '  end',
        '  t_list_recent_emails --> t_conflict_check',
        '  t_conflict_check --> t_generate_retainer',
        '  t_conflict_check --> t_notify',
        '  classDef optional stroke-dasharray: 5 5',
        '  class t_notify optional',
        '',
      ].join('\n'),
    );
  });

  it('escapes labels so names and conditions cannot break the chart', () => {
    expect(escapeLabel('say "hi" <b> & #1 | `x` [a]{b}')).toBe('say #34;hi#34; #60;b#62; #38; #35;1 #124; #96;x#96; #91;a#93;#123;b#125;');
    const compiled = compileWorkflow(
      { id: 'w', tasks: [{ id: 'end', name: 'The "end"\nfor real', function: 'f', condition: '"a" != "b"', parallel_group: 'x"]; y' }] },
      { hasTool },
    );
    const chart = toMermaid(compiled);
    expect(chart).toContain('subgraph g0["x#34;#93;; y"]');
    expect(chart).toContain('t_end{{"The #34;end#34;<br/>for real<br/>f<br/>if #34;a#34; != #34;b#34;"}}');
  });
});
