/**
 * Shape of DARTS' auxiliary head for an arbitrary feature map. `AuxiliaryHeadCIFAR` (quark0/darts
 * cnn/model.py) assumes an 8×8 input: 5×5 average pool, stride 3 → 2×2, then a 2×2 conv → 1×1.
 * `AuxiliaryHeadImageNet` (the 224-px networks, 7×7 at cell ⌊2L/3⌋) pools with stride 2 → 2×2.
 * Here the second conv's kernel is the pooled size, so the head always ends at 1×1×768 and
 * equals the reference exactly at 8×8 (CIFAR) and 7×7 (ImageNet); maps smaller than 5 pool over
 * the whole map.
 */
export interface AuxiliaryHeadGeometry {
  readonly poolKernel: number;
  readonly poolStride: number;
  /** Pooled side (2 at 8×8). */
  readonly pooled: number;
  /** Kernel of the 128 → 768 conv (= pooled side). */
  readonly convKernel: number;
}

export const REFERENCE_POOL_KERNEL = 5;
export const REFERENCE_POOL_STRIDE = 3;
/** `AuxiliaryHeadImageNet`'s pool stride. */
export const IMAGENET_POOL_STRIDE = 2;

/** `cifar`: `AuxiliaryHeadCIFAR` (pool stride 3); `imagenet`: `AuxiliaryHeadImageNet` (stride 2). */
export type AuxiliaryHeadKind = 'cifar' | 'imagenet';

/**
 * Shorter side of the network's input from which `head: auto` takes the ImageNet head: the
 * reference builds it with the 224-px network, the spaces' `stem: auto` switches at this size.
 */
export const IMAGENET_HEAD_MIN_INPUT_SIDE = 65;

export function resolveHeadKind(head: AuxiliaryHeadKind | 'auto', inputShape: readonly [number, number, number]): AuxiliaryHeadKind {
  if (head !== 'auto') return head;
  return Math.min(inputShape[0], inputShape[1]) >= IMAGENET_HEAD_MIN_INPUT_SIDE ? 'imagenet' : 'cifar';
}

export function auxiliaryHeadGeometry(height: number, width: number, kind: AuxiliaryHeadKind = 'cifar'): AuxiliaryHeadGeometry {
  if (height !== width) throw new Error(`auxiliary head: square feature maps only, got ${height}×${width}`);
  if (height < 1) throw new Error(`auxiliary head: empty feature map ${height}×${width}`);
  const poolKernel = Math.min(REFERENCE_POOL_KERNEL, height);
  const poolStride = kind === 'imagenet' ? IMAGENET_POOL_STRIDE : REFERENCE_POOL_STRIDE;
  const pooled = Math.floor((height - poolKernel) / poolStride) + 1;
  return { poolKernel, poolStride, pooled, convKernel: pooled };
}

/** Cell whose output feeds the head: DARTS `i == 2 * layers // 3` (the second reduction cell). */
export function auxiliaryCellIndex(cells: number): number {
  return Math.floor((2 * cells) / 3);
}
