// The CLI's first process, for a command that runs inside the lab's network namespace, only starts it again there:
// deciding that before loading the CLI's modules saves a whole start (~0.4 s) on every such command.
import { COMMAND_POLICY, policyOf, prepare } from './command-policy.js';
import { rerunInLabNetns } from './enter-lab-netns.js';
import { insideNetns, netnsExists } from '../lab/netns-path.js';

/** The command path `args` (after the script) name, when it is one of the table's; null for anything unusual. */
export function commandPathOf(args: readonly string[]): string | null {
  const [first, second] = args;
  if (!first || first.startsWith('-')) return null;
  const known = (p: string) => Object.hasOwn(COMMAND_POLICY, p);
  if (second && !second.startsWith('-') && known(`${first} ${second}`)) return `${first} ${second}`;
  return known(first) ? first : null;
}

/**
 * The exit code of the command run again inside the lab namespace, or null to go on here. Only the plain case is
 * taken early (a known command, no help, no dry run); the full CLI decides everything else, with its messages.
 */
export async function rerunEarly(argv: readonly string[] = process.argv): Promise<number | null> {
  const args = argv.slice(2);
  const path = commandPathOf(args);
  if (!path || args.some((a) => a === '-h' || a === '--help' || a === '--dry-run')) return null;
  const where = { uid: process.getuid?.() ?? 0, insideLabNetns: insideNetns(), labNetnsExists: netnsExists(), stateDirWritable: true };
  if (prepare(policyOf(path), where).kind !== 'enter-lab-netns') return null;
  return rerunInLabNetns(argv);
}
