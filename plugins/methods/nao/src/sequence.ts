/**
 * The controller's token sequences (`NAO/utils.py` `parse_arch_to_seq`, `parse_seq_to_arch`,
 * branch length 2): per node `x_id+1, x_op+7, y_id+1, y_op+7`, the normal cell then the reduction
 * cell, 40 tokens. Token 0 is SOS/EOS, 1–6 the input states 0–5, 7–11 the 5 searched ops 0–4.
 */
import type { Rng } from '@naslab/core';
import { NAO_CELL_LENGTH, NAO_NODES, NAO_SEARCH_OPS, type NaoArch } from '@naslab/space-nao';

export const SOS_TOKEN = 0;
export const FIRST_NODE_TOKEN = 1;
export const FIRST_OP_TOKEN = 7;
/** 1 (SOS/EOS) + 6 node tokens + 5 op tokens (`--controller_encoder_vocab_size 12`). */
export const VOCABULARY = FIRST_OP_TOKEN + NAO_SEARCH_OPS.length;
export const SEQUENCE_LENGTH = 2 * NAO_CELL_LENGTH;

export function archToSequence(a: NaoArch): number[] {
  return [...a.normal, ...a.reduce].map((v, k) => {
    if (k % 2 === 0) return v + FIRST_NODE_TOKEN;
    if (v < 0 || v >= NAO_SEARCH_OPS.length) throw new Error(`nao: op ${v} at position ${k} is outside the searched ops 0–${NAO_SEARCH_OPS.length - 1}`);
    return v + FIRST_OP_TOKEN;
  });
}

export function sequenceToArch(seq: readonly number[]): NaoArch {
  if (seq.length !== SEQUENCE_LENGTH) throw new Error(`nao: a sequence has ${SEQUENCE_LENGTH} tokens, got ${seq.length}`);
  const values = seq.map((t, k) => (k % 2 === 0 ? t - FIRST_NODE_TOKEN : t - FIRST_OP_TOKEN));
  return { normal: values.slice(0, NAO_CELL_LENGTH), reduce: values.slice(NAO_CELL_LENGTH) };
}

/**
 * The tokens the decoder may emit at position `t` (`Decoder.decode`): an input index of node
 * ⌊t/4⌋ mod 5 among the states before it (tokens 1 … node + 2), or one of the 5 op tokens.
 */
export function allowedTokens(t: number): readonly [number, number] {
  if (t % 2 === 1) return [FIRST_OP_TOKEN, VOCABULARY];
  const node = Math.floor((Math.floor(t / 2) % (2 * NAO_NODES)) / 2);
  return [FIRST_NODE_TOKEN, node + 3];
}

/**
 * Swaps the two branches of node `a` of the normal cell and of node `b` of the reduction cell
 * (the same network: a node sums its branches), the augmentation of `NAODataset` and of
 * `--controller_expand`.
 */
export function swapBranches(seq: readonly number[], a: number, b: number): number[] {
  const out = [...seq];
  for (const start of [4 * a, NAO_CELL_LENGTH + 4 * b]) {
    const [x0, x1, y0, y1] = seq.slice(start, start + 4) as [number, number, number, number];
    out.splice(start, 4, y0, y1, x0, x1);
  }
  return out;
}

export function randomSwap(seq: readonly number[], rng: Rng): number[] {
  const a = rng.int(NAO_NODES);
  const b = rng.int(NAO_NODES);
  return swapBranches(seq, a, b);
}

export const sequenceKey = (seq: readonly number[]): string => seq.join(' ');
