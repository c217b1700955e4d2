// Decides which etcd changes deserve an early cycle: member heartbeats only when a role-relevant field moved.
/** The last few answers: every daemon sees the same member values, and a value is parsed once, not per event. */
const recent = new Map<string, string | null>();

/** The fields of a member state that can change a decision; null when the value is not a member state. */
export function memberSignature(value: string): string | null {
  const known = recent.get(value);
  if (known !== undefined) return known;
  const sig = signatureOf(value);
  if (recent.size >= 32) recent.delete(recent.keys().next().value as string);
  recent.set(value, sig);
  return sig;
}

function signatureOf(value: string): string | null {
  let v: unknown;
  try {
    v = JSON.parse(value);
  } catch {
    return null;
  }
  if (!v || typeof v !== 'object' || !('node' in v) || !('role' in v)) return null;
  const m = v as Record<string, unknown>;
  return JSON.stringify([m['role'], m['pgUp'], m['crashed'], m['appliedGeneration'], m['streaming'], m['upstream'], m['syncApplied']]);
}
