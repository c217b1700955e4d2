// Which simulated machines can talk, and how well: symmetric cuts between any pair (nodes, "etcd", "client"), and
// per-direction delay and loss on a link (a lost TCP segment costs a retransmission, never the message).
export class Network {
  private cuts = new Map<string, number>();
  private delays = new Map<string, number[]>();
  private losses = new Map<string, number[]>();

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

  /** Adds `ms` to every message from `from` to `to` until `removeDelay` (faults on one link add up). */
  addDelay(from: string, to: string, ms: number): void {
    const k = `${from}>${to}`;
    this.delays.set(k, [...(this.delays.get(k) ?? []), ms]);
  }

  removeDelay(from: string, to: string, ms: number): void {
    const k = `${from}>${to}`;
    const list = [...(this.delays.get(k) ?? [])];
    list.splice(list.indexOf(ms), 1);
    if (list.length) this.delays.set(k, list);
    else this.delays.delete(k);
  }

  /** Each segment from `from` to `to` is lost with probability `p` (1: a one-way cut). */
  addLoss(from: string, to: string, p: number): void {
    const k = `${from}>${to}`;
    this.losses.set(k, [...(this.losses.get(k) ?? []), p]);
  }

  removeLoss(from: string, to: string, p: number): void {
    const k = `${from}>${to}`;
    const list = [...(this.losses.get(k) ?? [])];
    list.splice(list.indexOf(p), 1);
    if (list.length) this.losses.set(k, list);
    else this.losses.delete(k);
  }

  delay(from: string, to: string): number {
    return (this.delays.get(`${from}>${to}`) ?? []).reduce((a, b) => a + b, 0);
  }

  /** Probability that one segment from `from` to `to` is lost. */
  loss(from: string, to: string): number {
    const list = this.losses.get(`${from}>${to}`);
    return list ? 1 - list.reduce((keep, p) => keep * (1 - p), 1) : 0;
  }

  healAll(): void {
    this.cuts.clear();
    this.delays.clear();
    this.losses.clear();
  }

  describe(): string {
    return [...this.cuts.keys()].join(',') || 'none';
  }
}
