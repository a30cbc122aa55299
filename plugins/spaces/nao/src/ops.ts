/**
 * NAO's ops (antoyang/NAS-Benchmark `NAO/operations.py`, as `NAO/model.py` `Node` builds them by
 * id) and its size-calibration modules, on naslab's engine.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@naslab/core';
import {
  AvgPool,
  BatchNorm,
  MaxPool,
  Module,
  PaddedFactorizedReduce,
  RectConv2d,
  ReLU,
  ReLUConvBN,
  SepConv,
  Sequential,
} from '@naslab/engine';
import { NAO_OPS } from './arch.js';

// NAO's `FactorizedReduce` (no ReLU of its own, shift by padding) is the engine's, as ENAS's is;
// its rectangular convs and dropout are the engine's too.
export { Dropout, PaddedFactorizedReduce as NaoFactorizedReduce, RectConv2d } from '@naslab/engine';

/** An identity whose `isIdentity` says whether drop-path should leave it alone (see `dropPath`). */
export class NaoIdentity extends Module {
  override readonly isIdentity: boolean;
  constructor(exempt: boolean) {
    super();
    this.isIdentity = exempt;
  }
  forward(x: tf.Tensor): tf.Tensor {
    return x;
  }
}

/** NAO's factorised `Conv` (ops 8, 9): ReLU, 1×k conv stride (1, s), BN, ReLU, k×1 conv stride (s, 1), BN. */
function factorisedConv(rng: Rng, c: number, k: number, stride: number): Module {
  const p = (k - 1) / 2;
  return new Sequential([
    new ReLU(),
    new RectConv2d(rng, c, [1, k], [1, stride], [0, p]),
    new BatchNorm(c),
    new ReLU(),
    new RectConv2d(rng, c, [k, 1], [stride, 1], [p, 0]),
    new BatchNorm(c),
  ]);
}

/** Zero padding on the right and bottom (`F.pad(x, [0, 1, 0, 1])`), before NAO's 2×2 pools. */
class PadRightBottom extends Module {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.pad(x as tf.Tensor4D, [[0, 0], [0, 1], [0, 1], [0, 0]]);
  }
}

/**
 * Op `id` at `channels` (all states have `channels` after calibration) and `stride`, as `Node`:
 * identities at stride 2 are followed by a `FactorizedReduce`; the 2×2 pools (10, 13) pad right
 * and bottom with zeros first (which the average pool counts); the 3×3 and 5×5 average pools
 * 14, 15 count their padding (PyTorch's default), op 2 does not.
 */
export function makeNaoOp(id: number, channels: number, stride: number, rng: Rng, identityExempt: boolean): Module {
  const c = channels;
  switch (id) {
    case 0:
      return new SepConv(rng, c, c, 3, stride, 1);
    case 1:
      return new SepConv(rng, c, c, 5, stride, 2);
    case 2:
      return new AvgPool(3, stride, 1);
    case 3:
    case 11:
      return new MaxPool(3, stride, 1);
    case 4:
    case 5:
      return stride === 1 ? new NaoIdentity(identityExempt) : new Sequential([new NaoIdentity(false), new PaddedFactorizedReduce(rng, c, c, false)]);
    case 6:
      return new ReLUConvBN(rng, c, c, 1, stride, 0);
    case 7:
      return new ReLUConvBN(rng, c, c, 3, stride, 1);
    case 8:
      return factorisedConv(rng, c, 3, stride);
    case 9:
      return factorisedConv(rng, c, 7, stride);
    case 10:
      return new Sequential([new PadRightBottom(), new MaxPool(2, stride, 0)]);
    case 12:
      return new MaxPool(5, stride, 2);
    case 13:
      return new Sequential([new PadRightBottom(), new AvgPool(2, stride, 0)]);
    case 14:
      return new AvgPool(3, stride, 1, { countIncludePad: true });
    case 15:
      return new AvgPool(5, stride, 2, { countIncludePad: true });
    default:
      throw new Error(`unknown NAO op ${id} (0–${NAO_OPS.length - 1})`);
  }
}

/** Parameters of `makeNaoOp(id, C, stride)`, without building it. */
export function naoOpParameterCount(id: number, c: number, stride: number): number {
  const bn = 2 * c;
  switch (id) {
    case 0:
      return 2 * (9 * c + c * c + bn);
    case 1:
      return 2 * (25 * c + c * c + bn);
    case 4:
    case 5:
      return stride === 1 ? 0 : c * c + bn;
    case 6:
      return c * c + bn;
    case 7:
      return 9 * c * c + bn;
    case 8:
      return 2 * (3 * c * c + bn);
    case 9:
      return 2 * (7 * c * c + bn);
    default:
      if (id >= 0 && id < NAO_OPS.length) return 0;
      throw new Error(`unknown NAO op ${id} (0–${NAO_OPS.length - 1})`);
  }
}
