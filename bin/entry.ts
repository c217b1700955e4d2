// pglab's entry: a lab command re-runs inside the lab's namespace before the CLI's modules load (tasks/early-netns.ts).
import { rerunEarly } from '../tasks/early-netns.js';

const code = await rerunEarly();
if (code !== null) process.exit(code);
await import('./pglab.js');
