/** `conveyor flow add <file.json|->` enqueues a flow; `conveyor flow <queue> <id> [--json]` prints a job's flow tree. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ConveyorError, ErrorCode } from '../../../src-shared/errors';
import { flowFromSpec, formatFlowTree } from '../../flows/flow-helpers';
import type { FlowJobRef } from '../../flows/flow-types';
import { readAll } from '../io';
import { printJson } from '../output';
import type { CommandDeps } from './command-context';

async function readSpec(source: string, stdin: AsyncIterable<string | Buffer> | undefined): Promise<unknown> {
  let text: string;
  if (source === '-') {
    if (!stdin) throw new ConveyorError(ErrorCode.ItemInvalid, 'flow "-" reads stdin, but there is no stdin');
    text = await readAll(stdin);
  } else {
    text = await readFile(source, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new ConveyorError(ErrorCode.ItemInvalid, `cannot read flow file ${source}: ${err.code ?? err.message}`);
    });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConveyorError(ErrorCode.ItemInvalid, `invalid flow: not JSON: ${(err as Error).message}`);
  }
}

function refLines(ref: FlowJobRef, depth = 0, out: string[] = []): string[] {
  out.push(`${'  '.repeat(depth)}${ref.queue}/${ref.id}`);
  for (const c of ref.children ?? []) refLines(c, depth + 1, out);
  return out;
}

export function registerFlowCommands(program: Command, { io, context }: CommandDeps): void {
  program
    .command('flow')
    .description('flows: "flow add <file.json|->" enqueues a tree of jobs; "flow <queue> <id>" prints a job\'s flow tree')
    .argument('<queue|add>', 'queue of the job to show, or "add"')
    .argument('<id|file>', 'job id, or (after "add") a JSON flow file, "-" for stdin')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nA flow file: {"queue": "reduce", "agent": "combine", "input": ..., "id": "doc-1",\n' +
        '  "children": [{"queue": "map", "agent": "summarize", "input": ..., "onFailure": "fail|ignore|continue|remove"}]}',
    )
    .action(async (first: string, second: string, opts: { json?: boolean }, cmd: Command) => {
      if (first === 'add') {
        const node = flowFromSpec(await readSpec(second, io.stdin));
        const ref = await context(cmd).withAdapter((adapter) => adapter.flows.enqueueFlow(node));
        if (opts.json) return printJson(io.stdout, ref);
        io.stdout.write(refLines(ref).join('\n') + '\n');
        return;
      }
      const tree = await context(cmd).withAdapter(async (adapter) => {
        await adapter.getQueueInfo(first);
        return adapter.flows.tree(first, second);
      });
      if (opts.json) return printJson(io.stdout, tree);
      io.stdout.write(formatFlowTree(tree));
    });
}
