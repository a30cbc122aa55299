/**
 * The stem rule the cell spaces share: at `auto`, inputs from 65 px on the shorter side get the
 * ImageNet stem (DARTS' `NetworkImageNet`: three stride-2 convs), smaller ones the CIFAR stem.
 * 65 px sits between CIFAR's 32 and 64 px and the paper's 224-px datasets.
 */
export const IMAGENET_STEM_MIN_SIDE = 65;

/** A space's `stem` option: a stem by name, or `auto` to choose it by the input size. */
export type StemChoice = 'auto' | 'cifar' | 'imagenet';

/** The stem `stem` stands for at this input (`auto` or unset → `imagenet` from 65 px on the shorter side). */
export function resolveStem(stem: StemChoice | undefined, inputShape: readonly [number, number, number]): 'cifar' | 'imagenet' {
  if (stem === 'cifar' || stem === 'imagenet') return stem;
  return Math.min(inputShape[0], inputShape[1]) >= IMAGENET_STEM_MIN_SIDE ? 'imagenet' : 'cifar';
}
