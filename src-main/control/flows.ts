/** Control-center handlers for flows (#19), registered in handler-table.ts. */
import type { Handler, HandlerContext } from './handler-table';

export function flowHandlers(ctx: HandlerContext): { 'flows.tree': Handler<'flows.tree'> } {
  return {
    'flows.tree': async ({ queue, id }) => ctx.adapter().flows.tree(queue, id),
  };
}
