import { randomUUID } from 'node:crypto';
import { ConveyorError, ErrorCode } from '../../src-shared/errors';
import type { EnqueueOptions } from '../../src-shared/job';
import { type EncodedNode, FLOW_LIMITS, FLOW_POLICIES, type FlowNode, childRef } from './flow-types';

function invalid(message: string, details: Record<string, unknown> = {}): ConveyorError {
  return new ConveyorError(ErrorCode.ItemInvalid, `invalid flow: ${message}`, details);
}

/**
 * Checks a whole flow before anything is written, and gives every job its id
 * (`<parent id>.<index>` unless given; the root's a UUID unless given), so a
 * re-run of the same flow, or another process completing it, writes the same
 * jobs. Refuses: a cycle, more children or depth or jobs than FLOW_LIMITS, a
 * duplicate job (same queue and id), an unknown policy, a delay, a bad item.
 */
export function encodeFlow(root: FlowNode, encode: (item: FlowNode['item'], opts: EnqueueOptions) => string[]): EncodedNode {
  let jobs = 0;
  const seen = new Set<string>();
  const path = new Set<FlowNode>();
  const visit = (node: FlowNode, defaultId: string, depth: number): EncodedNode => {
    if (typeof node !== 'object' || node === null) throw invalid('every job must be an object');
    if (path.has(node)) throw invalid('a job is its own ancestor (cycle)');
    if (depth > FLOW_LIMITS.maxDepth) throw invalid(`deeper than ${FLOW_LIMITS.maxDepth} levels`, { limit: FLOW_LIMITS.maxDepth });
    if (++jobs > FLOW_LIMITS.maxJobs) throw invalid(`more than ${FLOW_LIMITS.maxJobs} jobs`, { limit: FLOW_LIMITS.maxJobs });
    const children = node.children ?? [];
    if (!Array.isArray(children)) throw invalid('children must be an array');
    if (children.length > FLOW_LIMITS.maxChildren) {
      throw invalid(`a job has ${children.length} children; the limit is ${FLOW_LIMITS.maxChildren}`, { limit: FLOW_LIMITS.maxChildren });
    }
    const policy = node.onFailure ?? 'fail';
    if (!FLOW_POLICIES.includes(policy)) throw invalid(`unknown onFailure "${String(policy)}"; one of ${FLOW_POLICIES.join(', ')}`);
    if ((node.opts as EnqueueOptions | undefined)?.delayMs) throw invalid('flow jobs take no delayMs');
    const id = node.opts?.jobId ?? node.item?.action?.id ?? defaultId;
    const ref = childRef(String(node.queue), id);
    if (seen.has(ref)) throw invalid(`job ${ref} appears twice`, { job: ref });
    seen.add(ref);
    let enc: string[];
    try {
      enc = encode(node.item, { ...node.opts, jobId: id });
    } catch (err) {
      throw invalid(`job ${ref}: ${err instanceof Error ? err.message : String(err)}`, { job: ref });
    }
    path.add(node);
    const encoded: EncodedNode = {
      queue: String(node.queue),
      id,
      enc,
      policy,
      children: children.map((c, i) => visit(c, `${id}.${i}`, depth + 1)),
    };
    path.delete(node);
    return encoded;
  };
  return visit(root, randomUUID(), 1);
}

/** Every queue a flow names. */
export function flowQueues(node: EncodedNode, into = new Set<string>()): Set<string> {
  into.add(node.queue);
  for (const c of node.children) flowQueues(c, into);
  return into;
}
