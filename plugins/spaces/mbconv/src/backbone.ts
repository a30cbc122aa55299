/**
 * The MBConv backbone of Single-Path NAS (Stamoulis et al., 2019; dstamoulis/single-path-nas,
 * `nas-search/supernet_macro.py` `single_path_search`): seven block strings in the MnasNet
 * notation (`r` repeats, `k` kernel, `s` strides, `e` expansion, `i`/`o` filters, `noskip`), 22
 * MBConv blocks in all. The first and the last block are fixed; the 20 in between (stages 1–5 of
 * four layers) are searchable: kernel 3×3 or 5×5, expansion 3 or 6, and every layer but the first
 * of its stage may be skipped (it then has stride 1 and as many inputs as outputs).
 */

/** The reference's block strings (the supernet's "starting point": 5×5 kernels, expansion 6). */
export const SINGLE_PATH_BLOCKS = [
  'r1_k3_s11_e1_i32_o16_noskip',
  'r4_k5_s22_e6_i16_o24',
  'r4_k5_s22_e6_i24_o40',
  'r4_k5_s22_e6_i40_o80',
  'r4_k5_s11_e6_i80_o96',
  'r4_k5_s22_e6_i96_o192',
  'r1_k3_s11_e6_i192_o320_noskip',
] as const;

/** One MBConv block's arguments (the reference's `BlockArgs`, square strides). */
export interface BlockArgs {
  readonly kernel: number;
  readonly repeats: number;
  readonly inputFilters: number;
  readonly outputFilters: number;
  readonly expandRatio: number;
  /** Residual connection when stride 1 and input filters = output filters. */
  readonly idSkip: boolean;
  readonly stride: number;
}

/** Decode one block string (`MBConvDecoder._decode_block_string`). */
export function decodeBlockString(text: string): BlockArgs {
  const options: Record<string, string> = {};
  for (const part of text.split('_')) {
    const m = /^([a-z]+)(\d.*)$/.exec(part);
    if (m) options[m[1]!] = m[2]!;
  }
  const need = (key: string): number => {
    const v = options[key];
    if (v === undefined || !/^\d+$/.test(v)) throw new Error(`block string "${text}": no integer "${key}"`);
    return Number(v);
  };
  const s = options.s;
  if (s === undefined || !/^\d\d$/.test(s)) throw new Error(`block string "${text}": strides must be a pair of digits (s11, s22)`);
  if (s[0] !== s[1]) throw new Error(`block string "${text}": only square strides are supported`);
  return {
    kernel: need('k'),
    repeats: need('r'),
    inputFilters: need('i'),
    outputFilters: need('o'),
    expandRatio: need('e'),
    idSkip: !text.includes('noskip'),
    stride: Number(s[0]),
  };
}

/** One of the 22 MBConv layers, after the repeats are unrolled (as `SinglePathSuperNet._build`). */
export interface BackboneLayer extends BlockArgs {
  /** 0..21: the block index, also the row of the latency table. */
  readonly block: number;
  /** Stage 0..6 (the block string it comes from). */
  readonly stage: number;
  /** Position inside its stage. */
  readonly position: number;
  /** Searchable layer index 0..19, or −1 for the fixed first and last blocks. */
  readonly searchable: number;
  /** The layer may be dropped (non-first layer of a searchable stage). */
  readonly skippable: boolean;
}

/** The 22 layers of the backbone (repeats after the first take stride 1 and input = output filters). */
export function backboneLayers(blocks: readonly string[] = SINGLE_PATH_BLOCKS): BackboneLayer[] {
  const layers: BackboneLayer[] = [];
  let searchable = 0;
  blocks.forEach((text, stage) => {
    const args = decodeBlockString(text);
    const isSearchable = stage > 0 && stage < blocks.length - 1;
    for (let position = 0; position < args.repeats; position++) {
      const first = position === 0;
      layers.push({
        ...args,
        repeats: 1,
        inputFilters: first ? args.inputFilters : args.outputFilters,
        stride: first ? args.stride : 1,
        block: layers.length,
        stage,
        position,
        searchable: isSearchable ? searchable++ : -1,
        skippable: isSearchable && !first,
      });
    }
  });
  return layers;
}

export const BACKBONE_LAYERS: readonly BackboneLayer[] = backboneLayers();
/** The 20 searchable layers, in order. */
export const SEARCHABLE_LAYERS: readonly BackboneLayer[] = BACKBONE_LAYERS.filter((l) => l.searchable >= 0);
export const NUM_SEARCHABLE = SEARCHABLE_LAYERS.length;
/** Searchable layers per stage (the text form groups them). */
export const LAYERS_PER_STAGE = 4;

/**
 * Filters after a width (depth) multiplier (`round_filters` of the reference, divisor 8, minimum
 * depth = divisor): the nearest multiple of 8, never more than 10 % below the exact value.
 */
export function roundFilters(filters: number, multiplier: number, divisor = 8): number {
  if (multiplier === 1) return filters;
  const f = filters * multiplier;
  let rounded = Math.max(divisor, Math.floor((f + divisor / 2) / divisor) * divisor);
  if (rounded < 0.9 * f) rounded += divisor;
  return rounded;
}

/**
 * The reference's BatchNorm momentum, TensorFlow's `batch_norm_momentum=0.99`, in the engine's
 * (PyTorch's) convention: running = (1 − m)·running + m·batch with m = 0.01.
 */
export const MBCONV_BN_MOMENTUM = 0.01;
