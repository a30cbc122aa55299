export * from './module.js';
export * from './layers.js';
export * from './network.js';
export * from './hooks.js';
export * from './loss.js';
export * from './flops.js';
export * from './checkpoint.js';
export * from './backend.js';
export {
  trainFromScratch,
  createTrainStep,
  normalisePixels,
  cosineLearningRate,
  evaluateAccuracy,
  type TrainerOptions,
  type TrainStepSetup,
} from './train.js';
export * from './gradcheck.js';
export * from './fused.js';
