/**
 * Shape of DARTS' AuxiliaryHeadCIFAR (quark0/darts cnn/model.py) for an arbitrary feature map.
 * The reference assumes an 8×8 input: 5×5 average pool, stride 3 → 2×2, then a 2×2 conv → 1×1.
 * Here the second conv's kernel is the pooled size, so the head always ends at 1×1×768 and
 * equals the reference exactly at 8×8; maps smaller than 5 pool over the whole map.
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

export function auxiliaryHeadGeometry(height: number, width: number): AuxiliaryHeadGeometry {
  if (height !== width) throw new Error(`auxiliary head: square feature maps only, got ${height}×${width}`);
  if (height < 1) throw new Error(`auxiliary head: empty feature map ${height}×${width}`);
  const poolKernel = Math.min(REFERENCE_POOL_KERNEL, height);
  const poolStride = REFERENCE_POOL_STRIDE;
  const pooled = Math.floor((height - poolKernel) / poolStride) + 1;
  return { poolKernel, poolStride, pooled, convKernel: pooled };
}

/** Cell whose output feeds the head: DARTS `i == 2 * layers // 3` (the second reduction cell). */
export function auxiliaryCellIndex(cells: number): number {
  return Math.floor((2 * cells) / 3);
}
