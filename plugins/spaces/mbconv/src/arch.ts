/**
 * Architectures of the MBConv space: one choice per searchable layer, as the reference's
 * candidate ops (`parse_search_output.py`: `3x3-3, 3x3-6, 5x5-3, 5x5-6, skip`), written here
 * `k3e3 k3e6 k5e3 k5e6 skip`. The text form groups the 20 choices by stage:
 * `k5e6 k3e3 skip skip | k5e3 k3e6 k3e3 skip | …` (five groups of four).
 */
import { ParseError, type Rng } from '@naslab/core';
import { LAYERS_PER_STAGE, NUM_SEARCHABLE, SEARCHABLE_LAYERS } from './backbone.js';

/** The choices in the reference's candidate-op order (also the latency table's columns 0–3). */
export const LAYER_CHOICES = ['k3e3', 'k3e6', 'k5e3', 'k5e6', 'skip'] as const;
export type LayerChoice = (typeof LAYER_CHOICES)[number];
/** Layer choices, searchable layer 0 first. */
export type MbconvArch = readonly LayerChoice[];

/** The reference's names, accepted by `parse`. */
const ALIASES: Record<string, LayerChoice> = {
  '3x3-3': 'k3e3',
  '3x3-6': 'k3e6',
  '5x5-3': 'k5e3',
  '5x5-6': 'k5e6',
};

export interface ChoiceShape {
  readonly kernel: 3 | 5;
  readonly expandRatio: 3 | 6;
}

/** Kernel and expansion of a (non-skip) choice. */
export function choiceShape(choice: Exclude<LayerChoice, 'skip'>): ChoiceShape {
  return { kernel: choice[1] === '3' ? 3 : 5, expandRatio: choice[3] === '3' ? 3 : 6 };
}

/** The choices layer `i` allows: all five where it may be skipped, the four convolutions otherwise. */
export function allowedChoices(i: number): readonly LayerChoice[] {
  return SEARCHABLE_LAYERS[i]!.skippable ? LAYER_CHOICES : LAYER_CHOICES.slice(0, 4);
}

/** Number of architectures: 4 choices for each stage's first layer, 5 for the others (4^5 · 5^15). */
export const MBCONV_SPACE_SIZE = SEARCHABLE_LAYERS.reduce((n, l) => n * (l.skippable ? 5 : 4), 1);

/** Uniform over the space: each layer's choice uniform over what it allows, independently. */
export function sampleArch(rng: Rng): LayerChoice[] {
  return SEARCHABLE_LAYERS.map((_, i) => {
    const allowed = allowedChoices(i);
    return allowed[rng.int(allowed.length)]!;
  });
}

export function isMbconvArch(arch: unknown): arch is MbconvArch {
  return (
    Array.isArray(arch) &&
    arch.length === NUM_SEARCHABLE &&
    arch.every((c, i) => typeof c === 'string' && (allowedChoices(i) as readonly string[]).includes(c))
  );
}

export function formatArch(arch: MbconvArch): string {
  if (!isMbconvArch(arch)) throw new Error(`not an MBConv-space architecture: ${JSON.stringify(arch)}`);
  const groups: string[] = [];
  for (let s = 0; s < NUM_SEARCHABLE; s += LAYERS_PER_STAGE) groups.push(arch.slice(s, s + LAYERS_PER_STAGE).join(' '));
  return groups.join(' | ');
}

function where(i: number): string {
  const l = SEARCHABLE_LAYERS[i]!;
  return `layer ${i} (stage ${l.stage}, position ${l.position})`;
}

/**
 * Parse the text form. Choices are separated by white space, commas or `|`; when `|` is used
 * it must split the choices into the five stages of four. The reference names (`5x5-6`…) are
 * accepted. Errors are `ParseError`s at the offending token.
 */
export function parseArch(text: string): LayerChoice[] {
  const tokens: Array<{ value: string; line: number; column: number }> = [];
  const bars: Array<{ before: number; line: number; column: number }> = [];
  const lines = text.split('\n');
  lines.forEach((lineText, li) => {
    const re = /[^\s,|]+|\|/g;
    for (let m = re.exec(lineText); m; m = re.exec(lineText)) {
      const at = { line: li + 1, column: m.index + 1 };
      if (m[0] === '|') bars.push({ before: tokens.length, ...at });
      else tokens.push({ value: m[0], ...at });
    }
  });
  if (tokens.length === 0) throw new ParseError(`empty architecture: expected ${NUM_SEARCHABLE} layer choices (${LAYER_CHOICES.join(', ')})`, { line: 1, column: 1 });
  const out: LayerChoice[] = [];
  tokens.forEach((t, i) => {
    if (i >= NUM_SEARCHABLE) throw new ParseError(`too many layer choices: the space has ${NUM_SEARCHABLE} searchable layers`, { line: t.line, column: t.column });
    const v = t.value.toLowerCase();
    const choice = (LAYER_CHOICES as readonly string[]).includes(v) ? (v as LayerChoice) : ALIASES[v];
    if (!choice) throw new ParseError(`unknown layer choice "${t.value}" (expected one of ${LAYER_CHOICES.join(', ')})`, { line: t.line, column: t.column, where: where(i) });
    if (!allowedChoices(i).includes(choice)) {
      throw new ParseError('the first layer of a stage changes resolution or width and cannot be skipped', { line: t.line, column: t.column, where: where(i) });
    }
    out.push(choice);
  });
  if (out.length < NUM_SEARCHABLE) {
    const last = tokens[tokens.length - 1]!;
    throw new ParseError(`only ${out.length} layer choices: the space has ${NUM_SEARCHABLE} searchable layers`, { line: last.line, column: last.column + last.value.length });
  }
  if (bars.length > 0) {
    const expected = Array.from({ length: NUM_SEARCHABLE / LAYERS_PER_STAGE - 1 }, (_, k) => (k + 1) * LAYERS_PER_STAGE);
    const bad = bars.find((b, k) => b.before !== expected[k]) ?? (bars.length !== expected.length ? bars[bars.length - 1] : undefined);
    if (bad) throw new ParseError(`"|" separates the ${NUM_SEARCHABLE / LAYERS_PER_STAGE} stages of ${LAYERS_PER_STAGE} layers; this one comes after layer choice ${bad.before}`, { line: bad.line, column: bad.column });
  }
  return out;
}

/** Counts of each choice, and the layers kept. */
export function describeArch(arch: MbconvArch): { choices: Record<LayerChoice, number>; layers: number } {
  const choices = Object.fromEntries(LAYER_CHOICES.map((c) => [c, 0])) as Record<LayerChoice, number>;
  for (const c of arch) choices[c] += 1;
  return { choices, layers: 2 + NUM_SEARCHABLE - choices.skip };
}
