import type { Backend, BackendProbe, BackendSpeed } from '@naslab/core';

/** `0.8–1.05× PyTorch's training speed` or `≈ 7 % of PyTorch's training speed`. */
export function formatSpeed(speed: BackendSpeed): string {
  const [lo, hi] = speed.vsPyTorch;
  if (hi < 0.5) {
    const pct = (x: number) => `${Number((x * 100).toPrecision(2))}`;
    return lo === hi ? `≈ ${pct(lo)} % of PyTorch's training speed` : `${pct(lo)}–${pct(hi)} % of PyTorch's training speed`;
  }
  const times = (x: number) => `${Number(x.toPrecision(3))}`;
  return lo === hi ? `${times(lo)}× PyTorch's training speed` : `${times(lo)}–${times(hi)}× PyTorch's training speed`;
}

/** How many times faster `fast` trains than `slow`, from their measured ranges: `11–15×`. */
export function slowdown(slow: BackendSpeed, fast: BackendSpeed): string {
  const round = (x: number) => `${Number(x.toPrecision(x < 100 ? 2 : 3))}`;
  const lo = round(fast.vsPyTorch[0] / slow.vsPyTorch[1]);
  const hi = round(fast.vsPyTorch[1] / slow.vsPyTorch[0]);
  return lo === hi ? `${lo}×` : `${lo}–${hi}×`;
}

export interface BackendChoice {
  readonly chosen: { readonly name: string; readonly speed?: BackendSpeed };
  /** Backends ranked above the chosen one that cannot run here, best first, with why. */
  readonly skipped: ReadonlyArray<{ readonly name: string; readonly speed?: BackendSpeed } & BackendProbe>;
}

/**
 * Which backend the trainer will pick from `backends` (probed as the engine does: by priority
 * under `auto`, else in order; `fallback` last when the list has none by its name), without
 * activating any. Each probe runs once per process, so asking costs one probe per backend.
 */
export async function chooseBackend(backends: readonly Backend[], fallback: Backend, preference: 'auto' | 'ordered' = 'auto'): Promise<BackendChoice> {
  const list = [...backends];
  if (preference === 'auto') list.sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0));
  if (!list.some((b) => b.name === fallback.name)) list.push(fallback);
  const skipped: Array<{ name: string; speed?: BackendSpeed } & BackendProbe> = [];
  for (const b of list) {
    let probe: BackendProbe;
    try {
      probe = await b.probe();
    } catch (e) {
      probe = { available: false, reason: `probe failed: ${(e as Error).message.split('\n')[0]}` };
    }
    if (probe.available) return { chosen: { name: b.name, ...(b.speed ? { speed: b.speed } : {}) }, skipped };
    skipped.push({ ...probe, name: b.name, ...(b.speed ? { speed: b.speed } : {}) });
  }
  return { chosen: { name: fallback.name, ...(fallback.speed ? { speed: fallback.speed } : {}) }, skipped };
}

/** The best skipped backend the notice names: the first with a measured speed, else the first. */
function better(choice: BackendChoice) {
  return choice.skipped.find((s) => s.speed) ?? choice.skipped[0];
}

/**
 * The one notice of a run whose backend is a fallback (a backend ranked above it cannot run
 * here): which backend trains, how much slower it is than the one it replaces (measured figures),
 * why that one is unavailable and the command that fixes it. Undefined when nothing fell back.
 */
export function fallbackNotice(choice: BackendChoice): string | undefined {
  const best = better(choice);
  if (!best) return undefined;
  const { chosen } = choice;
  const speed = chosen.speed ? ` (${formatSpeed(chosen.speed)})` : '';
  const compare =
    chosen.speed && best.speed ? `; ${best.name} (${formatSpeed(best.speed)}) would train about ${slowdown(chosen.speed, best.speed)} faster` : '';
  const lines = [`notice: training runs on the ${chosen.name} backend${speed}, a fallback${compare}.`];
  lines.push(`  ${best.name} is unavailable: ${(best.reason ?? 'no reason given').replace(/^[\w-]+ backend unavailable: /, '')}`);
  if (best.fix) lines.push(`  fix: ${best.fix}`);
  return lines.join('\n');
}

/** The final summary's reminder of that notice, one line. */
export function fallbackSummary(choice: BackendChoice): string | undefined {
  const best = better(choice);
  if (!best) return undefined;
  const { chosen } = choice;
  const compare = chosen.speed && best.speed ? `, about ${slowdown(chosen.speed, best.speed)} slower than ${best.name}` : `, not ${best.name}`;
  return `backend: ${chosen.name}${compare}${best.fix ? `; fix: ${best.fix}` : ''}`;
}
