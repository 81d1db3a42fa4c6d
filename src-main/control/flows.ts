/** Control-center handlers for flows (#19), registered in handler-table.ts. */
import { listFlows } from './flow-list';
import type { Handler, HandlerContext } from './handler-table';

export function flowHandlers(ctx: HandlerContext): { 'flows.tree': Handler<'flows.tree'>; 'flows.list': Handler<'flows.list'> } {
  return {
    'flows.tree': async ({ queue, id }) => ctx.adapter().flows.tree(queue, id),
    'flows.list': async ({ queue, cursor, limit }) =>
      listFlows(ctx.adapter(), queue, { ...(cursor === undefined ? {} : { cursor }), ...(limit === undefined ? {} : { limit }) }),
  };
}
