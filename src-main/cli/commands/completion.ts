/**
 * `conveyor completion bash|zsh|fish`: prints a shell completion script for
 * the verbs, their subcommands and options, generated from the program
 * itself, so it never lists a command that does not exist.
 *
 *   eval "$(conveyor completion bash)"      # ~/.bashrc
 *   eval "$(conveyor completion zsh)"       # ~/.zshrc
 *   conveyor completion fish | source       # ~/.config/fish/config.fish
 */
import { Argument, type Command } from 'commander';
import type { CommandDeps } from './command-context';

export const COMPLETION_SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof COMPLETION_SHELLS)[number];

interface Entry {
  /** `verb` or `verb sub`. */
  path: string;
  description: string;
  /** Long options (with their dashes), help included. */
  options: string[];
  /** Subcommands, and the fixed choices of a first argument (`completion bash|zsh|fish`). */
  subcommands: string[];
}

/** Every visible command down to subcommands, with its options. */
export function completionEntries(program: Command): Entry[] {
  const entries: Entry[] = [];
  const visit = (cmd: Command, path: string): void => {
    const subs = cmd.commands.filter((c) => !isHidden(c));
    entries.push({
      path,
      description: cmd.description(),
      options: [...cmd.options.filter((o) => !o.hidden && o.long).map((o) => o.long as string), '--help'],
      subcommands: [...subs.map((c) => c.name()), ...(cmd.registeredArguments[0]?.argChoices ?? [])],
    });
    for (const sub of subs) visit(sub, path === '' ? sub.name() : `${path} ${sub.name()}`);
  };
  visit(program, '');
  return entries;
}

function isHidden(cmd: Command): boolean {
  // commander keeps `hidden` private; `help` is its implicit command.
  return (cmd as unknown as { _hidden?: boolean })._hidden === true || cmd.name() === 'help';
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function bashScript(entries: Entry[]): string {
  const root = entries.find((e) => e.path === '');
  const cases = entries
    .filter((e) => e.path !== '')
    .map((e) => `    ${quote(e.path)}) words=${quote([...e.subcommands, ...e.options].join(' '))} ;;`)
    .join('\n');
  // Options of the root that take a value: their value is not a verb.
  return `# conveyor completion for bash: eval "$(conveyor completion bash)"
_conveyor() {
  local cur=\${COMP_WORDS[COMP_CWORD]} path='' word words i
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=\${COMP_WORDS[i]}
    case $word in
      --config | --redis-url) ((i++)) ;;
      -*) ;;
      *) if [[ -z $path ]]; then path=$word; else case " $(_conveyor_subs "$path") " in *" $word "*) path="$path $word" ;; esac; fi ;;
    esac
  done
  case $path in
    '') words=${quote([...(root?.subcommands ?? []), ...(root?.options ?? [])].join(' '))} ;;
${cases}
    *) words='' ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
_conveyor_subs() {
  case $1 in
${entries
  .filter((e) => e.path !== '' && e.subcommands.length > 0)
  .map((e) => `    ${quote(e.path)}) echo ${quote(e.subcommands.join(' '))} ;;`)
  .join('\n')}
  esac
}
complete -o default -F _conveyor conveyor
`;
}

function zshScript(entries: Entry[]): string {
  // zsh runs the bash function through its bashcompinit layer: one script to keep right, not two.
  return `# conveyor completion for zsh: eval "$(conveyor completion zsh)"
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bashScript(entries).split('\n').slice(1).join('\n')}`;
}

function fishScript(entries: Entry[]): string {
  const lines = ['# conveyor completion for fish: conveyor completion fish | source', 'complete -c conveyor -f'];
  for (const e of entries) {
    const parts = e.path.split(' ');
    if (e.path === '') {
      for (const o of e.options) lines.push(`complete -c conveyor -n '__fish_use_subcommand' -l ${o.slice(2)}`);
      continue;
    }
    const desc = quote(e.description.split('\n')[0] ?? '');
    if (parts.length === 1) {
      lines.push(`complete -c conveyor -n '__fish_use_subcommand' -a ${quote(e.path)} -d ${desc}`);
      for (const sub of e.subcommands) {
        const subDesc = entries.find((x) => x.path === `${e.path} ${sub}`)?.description ?? '';
        lines.push(
          `complete -c conveyor -n ${quote(`__fish_seen_subcommand_from ${e.path}; and not __fish_seen_subcommand_from ${e.subcommands.join(' ')}`)} -a ${quote(sub)} -d ${quote(subDesc)}`,
        );
      }
    }
    const cond =
      parts.length === 1
        ? `__fish_seen_subcommand_from ${parts[0]}`
        : `__fish_seen_subcommand_from ${parts[0]}; and __fish_seen_subcommand_from ${parts[1]}`;
    for (const o of e.options) lines.push(`complete -c conveyor -n ${quote(cond)} -l ${o.slice(2)}`);
  }
  return `${lines.join('\n')}\n`;
}

export function completionScript(program: Command, shell: Shell): string {
  const entries = completionEntries(program);
  if (shell === 'bash') return bashScript(entries);
  if (shell === 'zsh') return zshScript(entries);
  return fishScript(entries);
}

export function registerCompletionCommand(program: Command, { io }: CommandDeps): void {
  program
    .command('completion')
    .description('print a shell completion script: eval "$(conveyor completion bash)" (or zsh; fish: conveyor completion fish | source)')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(COMPLETION_SHELLS))
    .action((shell: Shell) => {
      io.stdout.write(completionScript(program, shell));
    });
}
