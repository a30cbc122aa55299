/**
 * The CIFAR-10 AutoAugment policy (Cubuk et al., CVPR 2019, appendix table), with the magnitude
 * ranges of the implementation the paper's code uses (antoyang/NAS-Benchmark,
 * Augmentation/AutoAugment/autoaugment.py, itself DeepVoltaire/AutoAugment).
 */
import type { Rng } from '@naslab/core';
import * as ops from './ops.js';
import type { PixelImage } from './ops.js';

export const OPERATIONS = [
  'shearX',
  'shearY',
  'translateX',
  'translateY',
  'rotate',
  'color',
  'posterize',
  'solarize',
  'contrast',
  'sharpness',
  'brightness',
  'autocontrast',
  'equalize',
  'invert',
] as const;
export type Operation = (typeof OPERATIONS)[number];

const linspace = (a: number, b: number, n = 10) => Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));

/** Magnitude for each of the 10 magnitude bins (numpy.linspace as the reference writes them). */
export const MAGNITUDES: Readonly<Record<Operation, readonly number[]>> = {
  shearX: linspace(0, 0.3),
  shearY: linspace(0, 0.3),
  translateX: linspace(0, 150 / 331),
  translateY: linspace(0, 150 / 331),
  rotate: linspace(0, 30),
  color: linspace(0, 0.9),
  // np.round(np.linspace(8, 4, 10)).astype(int): 8 8 7 7 6 6 5 5 4 4
  posterize: linspace(8, 4).map((v) => Math.round(v)),
  solarize: linspace(256, 0),
  contrast: linspace(0, 0.9),
  sharpness: linspace(0, 0.9),
  brightness: linspace(0, 0.9),
  autocontrast: new Array(10).fill(0),
  equalize: new Array(10).fill(0),
  invert: new Array(10).fill(0),
};

export interface ApplyOptions {
  /** Fill value for pixels brought in from outside by shear/translate/rotate (reference: 128). */
  readonly fill: number;
  /** Rotate by ±magnitude (DeepVoltaire's later code) instead of +magnitude only (the paper's copy). */
  readonly rotateBothWays: boolean;
}

export const DEFAULT_APPLY_OPTIONS: ApplyOptions = { fill: ops.DEFAULT_FILL, rotateBothWays: false };

/**
 * Apply one operation at a magnitude value (not a bin). `sign` is the random ±1 that the
 * reference draws for shear, translate, rotate (optionally) and the enhancements.
 */
export function applyOperation(
  img: PixelImage,
  op: Operation,
  magnitude: number,
  sign: 1 | -1,
  options: ApplyOptions = DEFAULT_APPLY_OPTIONS,
): PixelImage {
  const { fill } = options;
  switch (op) {
    case 'shearX':
      return ops.shearX(img, magnitude * sign, fill);
    case 'shearY':
      return ops.shearY(img, magnitude * sign, fill);
    case 'translateX':
      return ops.translate(img, magnitude * img.width * sign, 0, fill);
    case 'translateY':
      return ops.translate(img, 0, magnitude * img.height * sign, fill);
    case 'rotate':
      return ops.rotate(img, options.rotateBothWays ? magnitude * sign : magnitude, fill);
    case 'color':
      return ops.color(img, 1 + magnitude * sign);
    case 'posterize':
      return ops.posterize(img, magnitude);
    case 'solarize':
      return ops.solarize(img, magnitude);
    case 'contrast':
      return ops.contrast(img, 1 + magnitude * sign);
    case 'sharpness':
      return ops.sharpness(img, 1 + magnitude * sign);
    case 'brightness':
      return ops.brightness(img, 1 + magnitude * sign);
    case 'autocontrast':
      return ops.autoContrast(img);
    case 'equalize':
      return ops.equalize(img);
    case 'invert':
      return ops.invert(img);
  }
}

/** Which operations draw a random sign in the reference. */
export function usesSign(op: Operation, options: ApplyOptions = DEFAULT_APPLY_OPTIONS): boolean {
  if (op === 'rotate') return options.rotateBothWays;
  return ['shearX', 'shearY', 'translateX', 'translateY', 'color', 'contrast', 'sharpness', 'brightness'].includes(op);
}

export interface SubPolicy {
  readonly p1: number;
  readonly op1: Operation;
  readonly bin1: number;
  readonly p2: number;
  readonly op2: Operation;
  readonly bin2: number;
}

const sp = (p1: number, op1: Operation, bin1: number, p2: number, op2: Operation, bin2: number): SubPolicy => ({
  p1,
  op1,
  bin1,
  p2,
  op2,
  bin2,
});

/** The 25 CIFAR-10 sub-policies, in the reference's order. */
export const CIFAR10_POLICY: readonly SubPolicy[] = [
  sp(0.1, 'invert', 7, 0.2, 'contrast', 6),
  sp(0.7, 'rotate', 2, 0.3, 'translateX', 9),
  sp(0.8, 'sharpness', 1, 0.9, 'sharpness', 3),
  sp(0.5, 'shearY', 8, 0.7, 'translateY', 9),
  sp(0.5, 'autocontrast', 8, 0.9, 'equalize', 2),

  sp(0.2, 'shearY', 7, 0.3, 'posterize', 7),
  sp(0.4, 'color', 3, 0.6, 'brightness', 7),
  sp(0.3, 'sharpness', 9, 0.7, 'brightness', 9),
  sp(0.6, 'equalize', 5, 0.5, 'equalize', 1),
  sp(0.6, 'contrast', 7, 0.6, 'sharpness', 5),

  sp(0.7, 'color', 7, 0.5, 'translateX', 8),
  sp(0.3, 'equalize', 7, 0.4, 'autocontrast', 8),
  sp(0.4, 'translateY', 3, 0.2, 'sharpness', 6),
  sp(0.9, 'brightness', 6, 0.2, 'color', 8),
  sp(0.5, 'solarize', 2, 0.0, 'invert', 3),

  sp(0.2, 'equalize', 0, 0.6, 'autocontrast', 0),
  sp(0.2, 'equalize', 8, 0.8, 'equalize', 4),
  sp(0.9, 'color', 9, 0.6, 'equalize', 6),
  sp(0.8, 'autocontrast', 4, 0.2, 'solarize', 8),
  sp(0.1, 'brightness', 3, 0.7, 'color', 0),

  sp(0.4, 'solarize', 5, 0.9, 'autocontrast', 3),
  sp(0.9, 'translateY', 9, 0.7, 'translateY', 9),
  sp(0.9, 'autocontrast', 2, 0.8, 'solarize', 3),
  sp(0.8, 'equalize', 8, 0.1, 'invert', 3),
  sp(0.7, 'translateY', 9, 0.9, 'autocontrast', 1),
];

function maybeApply(img: PixelImage, p: number, op: Operation, bin: number, rng: Rng, options: ApplyOptions): PixelImage {
  if (!(rng.uniform() < p)) return img;
  const sign: 1 | -1 = usesSign(op, options) ? (rng.bernoulli(0.5) ? 1 : -1) : 1;
  return applyOperation(img, op, MAGNITUDES[op][bin]!, sign, options);
}

/** One policy draw, as `CIFAR10Policy.__call__`: a uniform sub-policy, each op with its probability. */
export function applyPolicy(
  img: PixelImage,
  rng: Rng,
  policy: readonly SubPolicy[] = CIFAR10_POLICY,
  options: ApplyOptions = DEFAULT_APPLY_OPTIONS,
): PixelImage {
  const s = policy[rng.int(policy.length)]!;
  const once = maybeApply(img, s.p1, s.op1, s.bin1, rng, options);
  return maybeApply(once, s.p2, s.op2, s.bin2, rng, options);
}

/**
 * Apply the policy to each image of an NHWC uint8 batch, in place (one independent draw per
 * image, as a per-sample torchvision transform does).
 */
export function applyPolicyToBatch(
  pixels: Uint8Array,
  count: number,
  shape: readonly [number, number, number],
  rng: Rng,
  policy: readonly SubPolicy[] = CIFAR10_POLICY,
  options: ApplyOptions = DEFAULT_APPLY_OPTIONS,
): Uint8Array {
  const [height, width, channels] = shape;
  const size = height * width * channels;
  for (let i = 0; i < count; i++) {
    const view = pixels.subarray(i * size, (i + 1) * size);
    const out = applyPolicy({ data: view, height, width, channels }, rng, policy, options);
    if (out.data !== view) view.set(out.data);
  }
  return pixels;
}
