import { ConveyorError, ErrorCode } from '../../src-shared/errors';
import { agentItem } from '../../src-shared/item-schema';
import type { FlowNode, FlowPolicy, FlowTree } from './flow-types';
import { FLOW_POLICIES } from './flow-types';

/**
 * A chain: `steps[0]` runs first, then `steps[1]` (which reads steps[0]'s
 * result from its children's results), and so on; the last step is the
 * flow's root. Each step may carry children of its own.
 */
export function chain(steps: FlowNode[]): FlowNode {
  if (steps.length === 0) throw new ConveyorError(ErrorCode.ItemInvalid, 'invalid flow: a chain needs at least one step');
  let node = steps[0] as FlowNode;
  for (const step of steps.slice(1)) node = { ...step, children: [...(step.children ?? []), node] };
  return node;
}

/** Fan-out/fan-in: the `children` run (in parallel, on any queues), then `parent`, with all their results. */
export function fanOut(parent: FlowNode, children: FlowNode[], onFailure?: FlowPolicy): FlowNode {
  return { ...parent, children: children.map((c) => (onFailure && !c.onFailure ? { ...c, onFailure } : c)) };
}

/** A flow as JSON text gives it (`conveyor flow add`): `{queue, agent, input, id?, onFailure?, children?}`, or `item` instead of agent and input. */
export interface FlowSpec {
  queue: string;
  agent?: string;
  input?: unknown;
  item?: FlowNode['item'];
  id?: string;
  priority?: number;
  maxRetries?: number;
  timeoutMs?: number;
  onFailure?: FlowPolicy;
  children?: FlowSpec[];
}

/** A FlowNode from a parsed JSON spec; shape errors are ITEM_INVALID naming the path. */
export function flowFromSpec(spec: unknown, path = 'flow'): FlowNode {
  const bad = (what: string): ConveyorError => new ConveyorError(ErrorCode.ItemInvalid, `invalid flow: ${path}: ${what}`);
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw bad('must be an object');
  const s = spec as FlowSpec;
  if (typeof s.queue !== 'string') throw bad('needs "queue" (a string)');
  if (s.item === undefined && typeof s.agent !== 'string') throw bad('needs "agent" (a string) or "item"');
  if (s.onFailure !== undefined && !FLOW_POLICIES.includes(s.onFailure)) throw bad(`"onFailure" is one of ${FLOW_POLICIES.join(', ')}`);
  if (s.children !== undefined && !Array.isArray(s.children)) throw bad('"children" must be an array');
  const node: FlowNode = { queue: s.queue, item: s.item ?? agentItem(s.agent as string, s.input ?? null) };
  const opts: NonNullable<FlowNode['opts']> = {};
  if (s.id !== undefined) opts.jobId = String(s.id);
  if (s.priority !== undefined) opts.priority = s.priority;
  if (s.maxRetries !== undefined) opts.maxRetries = s.maxRetries;
  if (s.timeoutMs !== undefined) opts.timeoutMs = s.timeoutMs;
  if (Object.keys(opts).length > 0) node.opts = opts;
  if (s.onFailure) node.onFailure = s.onFailure;
  if (s.children) node.children = s.children.map((c, i) => flowFromSpec(c, `${path}.children[${i}]`));
  return node;
}

/** A flow tree as indented text, one job a line: `queue/id  state  (as its parent recorded it)`. */
export function formatFlowTree(tree: FlowTree): string {
  const lines: string[] = [];
  if (tree.parent) lines.push(`parent ${tree.parent.queue}/${tree.parent.id}`);
  const walk = (node: FlowTree, prefix: string, branch: string): void => {
    const recorded = node.outcome && node.outcome !== 'pending' && node.outcome !== node.state ? `  (${node.outcome})` : '';
    const policy = node.policy && node.policy !== 'fail' ? `  on failure: ${node.policy}` : '';
    lines.push(`${prefix}${branch}${node.queue}/${node.id}  ${node.state ?? 'gone'}${recorded}${policy}`);
    const childPrefix = prefix + (branch === '' ? '' : branch === '└─ ' ? '   ' : '│  ');
    node.children.forEach((c, i) => walk(c, childPrefix, i === node.children.length - 1 ? '└─ ' : '├─ '));
  };
  walk(tree, '', '');
  return lines.join('\n') + '\n';
}
