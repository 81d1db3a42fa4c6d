import type { JobState } from '../../src-shared/job';
import { decodeJob } from '../queue/job-codec';
import type { QueueContext } from '../queue/queue-context';
import { type ChildOutcome, type ChildResult, FLOW_LIMITS, type FlowPolicy, type FlowTree, parseRef } from './flow-types';

/** The d:<ref> value of a parent: `p:<policy>` pending, `completed`, `removed`, or `<outcome>:<policy>`. */
function decodeDep(v: string): { outcome: ChildOutcome; policy?: FlowPolicy } {
  if (v.startsWith('p:')) return { outcome: 'pending', policy: v.slice(2) as FlowPolicy };
  if (v === 'completed' || v === 'removed') return { outcome: v };
  const [outcome, policy] = v.split(':');
  return { outcome: (outcome === 'cancelled' ? 'cancelled' : 'dead') as ChildOutcome, policy: policy as FlowPolicy };
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Reads of flows: a parent's children's results, and a job's flow tree. */
export class FlowReads {
  constructor(private readonly ctx: QueueContext) {}

  private async hash(queue: string, id: string): Promise<Record<string, string>> {
    const q = this.ctx.keys(queue);
    const { client } = this.ctx.conn;
    return this.ctx.conn.io(() => client.hgetall(q.job(id))).catch(() => ({}));
  }

  /**
   * A parent's children as it recorded them, in the order given: each one's
   * outcome and result (or error). The results are copied into the parent
   * when each child ends, so they outlive the children's own records.
   */
  async childResults(queue: string, id: string): Promise<ChildResult[]> {
    return FlowReads.results(await this.hash(queue, id));
  }

  static results(h: Record<string, string>): ChildResult[] {
    const out: ChildResult[] = [];
    for (const ref of h['fk'] ? h['fk'].split('\n') : []) {
      const value = h['d:' + ref];
      if (value === undefined) continue;
      const { outcome, policy } = decodeDep(value);
      const child: ChildResult = { ...parseRef(ref), outcome };
      if (policy) child.policy = policy;
      const r = h['r:' + ref];
      if (outcome === 'completed') child.result = parseJson(r);
      else if (r !== undefined) child.error = r;
      out.push(child);
    }
    return out;
  }

  /** The flow tree under a job (its own parent named), to FLOW_LIMITS.maxDepth. */
  async tree(queue: string, id: string, depth = 0): Promise<FlowTree> {
    const h = await this.hash(queue, id);
    const node: FlowTree = { queue, id, children: [] };
    const job = Object.keys(h).length > 0 ? decodeJob(queue, id, h) : null;
    if (job) node.state = job.state as JobState;
    if (h['par']) node.parent = parseRef(h['par']);
    if (depth >= FLOW_LIMITS.maxDepth) return node;
    const kids = FlowReads.results(h);
    node.children = await Promise.all(
      kids.map(async (c) => {
        const sub = await this.tree(c.queue, c.id, depth + 1);
        sub.outcome = c.outcome;
        if (c.policy) sub.policy = c.policy;
        return sub;
      }),
    );
    return node;
  }
}
