/**
 * The Single-Path supernet (dstamoulis/single-path-nas, `singlepath_supernet.py`
 * `SinglePathSuperNet`): the MBConv space's network at its largest shape (every searchable layer
 * 5×5 at expansion 6) with a superkernel as the depthwise convolution of each searchable layer,
 * and the latency term R_total = constant + Σ R_layer(decisions) over the space's table.
 */
import * as tf from '@tensorflow/tfjs';
import type { NetworkSpec } from '@naslab/engine';
import { choiceOf, layerRuntimes, loadMbconvNetwork, type LatencyTable, type LayerChoice, type MbconvNetworkOptions } from '@naslab/space-mbconv';
import { latencyCoefficients, layerLatencyTensor, Superkernel } from './superkernel.js';

type MbconvNetwork = InstanceType<Awaited<ReturnType<typeof loadMbconvNetwork>>['MbconvNetwork']>;

export interface SinglePathSupernet {
  readonly net: MbconvNetwork;
  /** One per searchable layer, layer 0 first. */
  readonly superkernels: readonly Superkernel[];
  /** R_total (ms) of the decisions of the last forward pass, differentiable (call in that pass's tape). */
  latencyOfLastPass(): tf.Scalar;
  /** The architecture the current thresholds select: each layer's hard decisions (the reference's argmax). */
  derive(): LayerChoice[];
  /** Set the decisions' dropout keep probability of every superkernel. */
  setDecisionKeep(keep: number): void;
  dispose(): void;
}

export async function buildSupernet(
  spec: Pick<NetworkSpec, 'classes' | 'inputShape' | 'rng'>,
  options: MbconvNetworkOptions,
  latency: { table: LatencyTable; constantMs: number },
): Promise<SinglePathSupernet> {
  const { MbconvNetwork, networkPlan } = await loadMbconvNetwork();
  const superkernels: Superkernel[] = [];
  const net = new MbconvNetwork(networkPlan('supernet', options.widthMultiplier), spec, options, (layer) =>
    layer.searchable < 0
      ? undefined
      : (rng, channels, kernel, stride) => {
          if (kernel !== 5) throw new Error(`single-path: searchable layer ${layer.searchable} has a ${kernel}×${kernel} kernel, the superkernel is 5×5`);
          const sk = new Superkernel(rng, channels, stride, layer.skippable);
          superkernels[layer.searchable] = sk;
          return sk;
        },
  );
  const coefficients = superkernels.map((_, i) => latencyCoefficients(layerRuntimes(latency.table, i)));
  return {
    net,
    superkernels,
    latencyOfLastPass: () => {
      const terms = superkernels.map((sk, i) => {
        if (!sk.last) throw new Error('single-path: latency asked before a forward pass');
        return layerLatencyTensor(coefficients[i]!, sk.last);
      });
      return tf.add(latency.constantMs, tf.addN(terms)) as tf.Scalar;
    },
    derive: () => superkernels.map((sk) => choiceOf(sk.hardDecisions())),
    setDecisionKeep: (keep) => {
      for (const sk of superkernels) sk.decisionKeep = keep;
    },
    dispose: () => {
      for (const sk of superkernels) sk.disposeMasks();
      net.dispose();
    },
  };
}
