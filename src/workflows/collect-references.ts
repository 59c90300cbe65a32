import type { ASTNode } from '@marcbachmann/cel-js';
import { celEnvironment } from './cel-environment.js';

/** Macros whose first argument names a variable bound inside the macro, e.g. `items.exists(i, i > 0)`. */
const BINDING_MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

interface Node {
  op: string;
  args: unknown;
}

/**
 * The root identifiers an expression reads from its context, in order of first appearance:
 * `a.result.items.exists(i, i.id == b)` reads `a` and `b`, not `i` (bound by the macro).
 */
export function collectReferences(ast: ASTNode): string[] {
  const found = new Set<string>();
  // an explicit stack, not recursion: expressions are bounded, but a deep one must not blow the stack
  const stack: Array<{ node: Node; bound: ReadonlySet<string> }> = [{ node: ast as Node, bound: new Set() }];
  while (stack.length > 0) {
    const { node, bound } = stack.pop()!;
    const name = node.args as string;
    // names the environment binds itself (`cel`, `optional`, `int`) are not context variables
    if (node.op === 'id' && !bound.has(name) && !celEnvironment.hasVariable(name)) found.add(name);
    const children = childrenOf(node, bound);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return [...found];
}

function childrenOf(node: Node, bound: ReadonlySet<string>): Array<{ node: Node; bound: ReadonlySet<string> }> {
  const plain = (nodes: unknown[]) => nodes.filter(isNode).map((n) => ({ node: n, bound }));
  const args = node.args;
  switch (node.op) {
    case 'value':
    case 'id':
      return [];
    case '.':
    case '.?':
      return plain([(args as unknown[])[0]]);
    case 'map':
      return plain((args as unknown[][]).flat());
    case 'call':
      return plain((args as [string, unknown[]])[1]);
    case 'rcall': {
      const [name, receiver, fnArgs] = args as [string, Node, unknown[]];
      const first = fnArgs[0];
      const isCelBind = name === 'bind' && receiver.op === 'id' && receiver.args === 'cel' && fnArgs.length === 3;
      if (isCelBind && isNode(first) && first.op === 'id') {
        // cel.bind(v, init, body): `v` is bound in the body only
        const inner = new Set(bound).add(first.args as string);
        return [...plain([fnArgs[1]]), ...(isNode(fnArgs[2]) ? [{ node: fnArgs[2], bound: inner }] : [])];
      }
      if (BINDING_MACROS.has(name) && fnArgs.length >= 2 && isNode(first) && first.op === 'id') {
        const inner = new Set(bound).add(first.args as string);
        return [...plain([receiver]), ...fnArgs.slice(1).filter(isNode).map((n) => ({ node: n, bound: inner }))];
      }
      return plain([receiver, ...fnArgs]);
    }
    default:
      return Array.isArray(args) ? plain(args) : plain([args]);
  }
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && 'op' in value && 'args' in value;
}
