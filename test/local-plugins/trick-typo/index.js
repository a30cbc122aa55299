import { definePlugin } from '@naslab/core';

/** `augmentBach` is no hook of the engine's loop: it would be called 0 times. */
export default definePlugin({
  kind: 'trick',
  id: 'typo',
  create: ({ label }) => ({ id: label, hooks: { augmentBach: (x) => x } }),
});
