// Recycles the Float32Arrays that native kernels write their outputs into. A fresh 4 MB
// Float32Array costs a zero-fill and ~1000 page faults, as much as the elementwise kernel that
// fills it. An array is reused only when no tensor refers to it or to any view of it any more
// (references are counted through the backend's write/move/disposeData), and never once it has
// escaped to user code through readSync/read (dataSync(), data(), moving to another backend).

interface Meta {
  full: Float32Array;
  refs: number;
  escaped: boolean;
}

export class BufferPool {
  private readonly owned = new WeakMap<ArrayBufferLike, Meta>();
  private readonly free = new Map<number, Float32Array[]>();
  private freeBytes = 0;
  /** Arrays handed out again (for tests and stats). */
  reused = 0;

  constructor(
    private readonly maxBytes: number,
    /** Fill reused arrays with NaN (tests: catches kernels that do not overwrite all of it). */
    private readonly poison = false,
  ) {}

  alloc(n: number): Float32Array {
    const list = this.free.get(n);
    const a = list?.pop();
    if (a) {
      this.freeBytes -= a.byteLength;
      this.reused++;
      if (this.poison) a.fill(Number.NaN);
      return a;
    }
    const b = new Float32Array(n);
    this.owned.set(b.buffer, { full: b, refs: 0, escaped: false });
    return b;
  }

  stored(values: unknown): void {
    if (!(values instanceof Float32Array)) return;
    const m = this.owned.get(values.buffer);
    if (m) m.refs++;
  }

  escaped(values: unknown): void {
    if (!(values instanceof Float32Array)) return;
    const m = this.owned.get(values.buffer);
    if (m) m.escaped = true;
  }

  released(values: unknown): void {
    if (!(values instanceof Float32Array)) return;
    const m = this.owned.get(values.buffer);
    if (!m) return;
    m.refs--;
    if (m.refs > 0 || m.escaped || this.freeBytes + m.full.byteLength > this.maxBytes) return;
    m.escaped = true; // in the free list: never released twice
    const list = this.free.get(m.full.length) ?? [];
    list.push(m.full);
    this.free.set(m.full.length, list);
    this.freeBytes += m.full.byteLength;
    // Re-arm for its next life.
    m.refs = 0;
    m.escaped = false;
  }

  clear(): void {
    this.free.clear();
    this.freeBytes = 0;
  }

  get pooledBytes(): number {
    return this.freeBytes;
  }
}
