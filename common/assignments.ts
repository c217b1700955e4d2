// `KEY=VALUE` arguments of `pglab config set`, shared by the HA managers' config editors.

export type Assignment = { key: string; value: string } | { problem: string };

/** The key (trimmed) and the value as given, or why the argument is not KEY=VALUE. */
export function parseAssignment(a: string): Assignment {
  const eq = a.indexOf('=');
  if (eq <= 0) return { problem: `"${a}" is not KEY=VALUE` };
  return { key: a.slice(0, eq).trim(), value: a.slice(eq + 1) };
}
