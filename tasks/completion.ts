// `pglab completion bash|zsh`: a completion script generated from the registered
// commands and options (commander has none built in): commands, subcommands, options.
import type { Command } from 'commander';

interface Entry {
  /** "" for the program itself, "imdb fetch" for a subcommand. */
  path: string;
  /** What can follow: subcommands and options, with a one-line description. */
  items: { word: string; description: string }[];
}

function entries(cmd: Command, path = ''): Entry[] {
  const visible = cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);
  const items = [
    ...visible.map((c) => ({ word: c.name(), description: c.description() })),
    ...cmd.options.flatMap((o) => [o.long, o.short].filter((f): f is string => !!f).map((word) => ({ word, description: o.description }))),
    { word: '--help', description: 'show help' },
  ];
  return [{ path, items }, ...visible.flatMap((c) => entries(c, path ? `${path} ${c.name()}` : c.name()))];
}

const sq = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

/** A shell `case` arm that extends the command path while the words name a known command. */
function pathWalk(all: Entry[], wordsVar: string, from: number, to: string): string[] {
  const known = all.filter((e) => e.path).map((e) => sq(e.path));
  return [
    '  local cmdpath="" w i',
    `  for ((i=${from}; i<${to}; i++)); do`,
    `    w=${wordsVar}`,
    '    [[ $w == -* ]] && continue',
    '    case "${cmdpath:+$cmdpath }$w" in',
    `      ${known.join('|')}) cmdpath="\${cmdpath:+$cmdpath }$w" ;;`,
    '    esac',
    '  done',
  ];
}

function bash(program: Command): string {
  const all = entries(program);
  return [
    '# pglab completion for bash: source <(pglab completion bash)',
    '_pglab() {',
    '  local cur=${COMP_WORDS[COMP_CWORD]}',
    ...pathWalk(all, '${COMP_WORDS[i]}', 1, 'COMP_CWORD'),
    '  local words=""',
    '  case "$cmdpath" in',
    ...all.map((e) => `    ${sq(e.path)}) words=${sq(e.items.map((i) => i.word).join(' '))} ;;`),
    '  esac',
    '  COMPREPLY=($(compgen -W "$words" -- "$cur"))',
    '}',
    'complete -o default -F _pglab pglab',
    '',
  ].join('\n');
}

function zsh(program: Command): string {
  const all = entries(program);
  return [
    '#compdef pglab',
    '# pglab completion for zsh: source <(pglab completion zsh) after compinit',
    '_pglab() {',
    ...pathWalk(all, '${words[i]}', 2, 'CURRENT'),
    '  local -a items',
    '  case "$cmdpath" in',
    ...all.map((e) => `    ${sq(e.path)}) items=(${e.items.map((i) => sq(`${i.word}:${i.description.replace(/\s+/g, ' ')}`)).join(' ')}) ;;`),
    '  esac',
    "  _describe -t commands 'pglab' items || _files",
    '}',
    'compdef _pglab pglab',
    '',
  ].join('\n');
}

export function completionScript(program: Command, shell: 'bash' | 'zsh'): string {
  return shell === 'bash' ? bash(program) : zsh(program);
}
