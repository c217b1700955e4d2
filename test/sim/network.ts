// Which simulated machines can talk: symmetric cuts between any pair (nodes, "etcd", "client").
export class Network {
  private cuts = new Map<string, number>();

  private static key(a: string, b: string): string {
    return a < b ? `${a}|${b}` : `${b}|${a}`;
  }

  reachable(a: string, b: string): boolean {
    return a === b || !this.cuts.has(Network.key(a, b));
  }

  /** Cuts are counted, so overlapping faults on one pair heal only when the last one ends. */
  cut(a: string, b: string): void {
    const k = Network.key(a, b);
    this.cuts.set(k, (this.cuts.get(k) ?? 0) + 1);
  }

  heal(a: string, b: string): void {
    const k = Network.key(a, b);
    const n = (this.cuts.get(k) ?? 0) - 1;
    if (n > 0) this.cuts.set(k, n);
    else this.cuts.delete(k);
  }

  healAll(): void {
    this.cuts.clear();
  }

  describe(): string {
    return [...this.cuts.keys()].join(',') || 'none';
  }
}
