// Typed arrays that grow by doubling: the checker keeps a million operations in columns, not in objects.

type TypedArray = Int32Array | Float64Array | Uint8Array;
type Ctor<T extends TypedArray> = new (n: number) => T;

class Growable<T extends TypedArray> {
  private data: T;
  length = 0;

  constructor(private readonly ctor: Ctor<T>, capacity = 1024) {
    this.data = new ctor(capacity);
  }

  push(v: number): number {
    if (this.length === this.data.length) this.reserve(this.length + 1);
    this.data[this.length] = v;
    return this.length++;
  }

  get(i: number): number {
    return this.data[i] as number;
  }

  set(i: number, v: number): void {
    this.data[i] = v;
  }

  /** Makes room for `n` elements in all, keeping what is there. */
  reserve(n: number): void {
    if (n <= this.data.length) return;
    let cap = this.data.length * 2;
    while (cap < n) cap *= 2;
    const next = new this.ctor(cap);
    next.set(this.data.subarray(0, this.length) as never);
    this.data = next;
  }

  /** The filled part (a view: copying a few hundred MB only to drop the spare capacity would double the peak). */
  seal(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

export class GrowableI32 extends Growable<Int32Array> {
  constructor(capacity?: number) {
    super(Int32Array, capacity);
  }
}

export class GrowableF64 extends Growable<Float64Array> {
  constructor(capacity?: number) {
    super(Float64Array, capacity);
  }
}

export class GrowableU8 extends Growable<Uint8Array> {
  constructor(capacity?: number) {
    super(Uint8Array, capacity);
  }
}
