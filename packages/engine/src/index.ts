// First: TensorFlow.js's own advice stays out of naslab's output.
import './tf-environment.js';
export * from './module.js';
export * from './layers.js';
export * from './cell-layers.js';
export * from './two-input-cell.js';
export * from './network.js';
export * from './hooks.js';
export * from './loss.js';
export * from './flops.js';
export * from './checkpoint.js';
export * from './backend.js';
export * from './optim.js';
export * from './protocol.js';
export { createCpuBackend, CPU_PRIORITY } from './cpu-backend.js';
export type { Backend, BackendProbe, Trick, TrickHooks } from '@naslab/core';
export {
  trainFromScratch,
  createTrainStep,
  cosineLearningRate,
  evaluateAccuracy,
  evaluateAccuracyOfBatches,
  type TrainerOptions,
  type TrainStepSetup,
} from './train.js';
export * from './gradcheck.js';
export { variableGradsFreeing } from './backprop.js';
export * from './fused.js';
export * from './stems.js';
export { gatherImages, imageSetHead } from './image-sets.js';
