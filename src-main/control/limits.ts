import type { HandlerContext, HandlerTable } from './handler-table';

/** The control center's Limits view (issue #18): each limit's state, and setting and removing limits. */
export function limitsHandlers(ctx: HandlerContext): Pick<HandlerTable, 'limits.list' | 'limits.set' | 'limits.remove'> {
  return {
    'limits.list': ({ queue }) => ctx.adapter().limits.list(queue),
    'limits.set': async ({ queue, group, spec }) => {
      await ctx.adapter().limits.set(queue, spec, group);
      return ctx.adapter().limits.list(queue);
    },
    'limits.remove': async ({ queue, group }) => {
      await ctx.adapter().limits.remove(queue, group);
      return ctx.adapter().limits.list(queue);
    },
  };
}
