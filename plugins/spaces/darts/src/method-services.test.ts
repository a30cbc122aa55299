import { Tokens, type InjectionToken, type SearchContext, type SearchMethod } from '@naslab/core';
import { describe, expect, it } from 'vitest';
import { supernetMethodServices, supernetSearchMethod, type SupernetMethodServices } from './method-services.js';
import { DartsSupernetTraining, type SupernetTraining } from './supernet.js';
import { killAndResume, searchFixture } from './testing.js';

const fakeTraining = {} as SupernetTraining;

/** A container whose crop-flip trick has the given hooks, and which records what was resolved. */
function container(hooks: Record<string, unknown>) {
  const resolved: unknown[] = [];
  const resolve = <T>(token: InjectionToken<T>): T => {
    resolved.push(token);
    if (token === Tokens.Plugins) return { create: async () => ({ hooks }) } as T;
    if (token === DartsSupernetTraining) return Promise.resolve(fakeTraining) as T;
    throw new Error('unexpected token');
  };
  return { resolve, resolved };
}

describe('supernetMethodServices', () => {
  it('resolves the provided training and the crop-flip hook bound to its trick; a trick without the hook is an error naming the method', async () => {
    const hooks = { scale: 2, augmentPixels(this: { scale: number }) { return this.scale; } };
    const { resolve, resolved } = container(hooks);
    const services = supernetMethodServices(resolve, 'm');
    expect(await services.training()).toBe(fakeTraining);
    expect(resolved).toEqual([DartsSupernetTraining]);
    expect((await services.cropFlip() as unknown as () => number)()).toBe(2);
    await expect(supernetMethodServices(container({}).resolve, 'stacnas').cropFlip()).rejects.toThrow('stacnas: the crop-flip trick has no augmentPixels hook');
  });
});

describe('supernetSearchMethod', () => {
  const services = (calls: string[]): SupernetMethodServices => ({
    training: async () => (calls.push('training'), fakeTraining),
    cropFlip: async () => (calls.push('cropFlip'), (x: Uint8Array) => x) as never,
  });

  it('refuses another space before loading anything; loads the crop-flip hook only when asked', async () => {
    const calls: string[] = [];
    const method = (augment: 'crop-flip' | 'none') =>
      supernetSearchMethod<string, { augment: 'crop-flip' | 'none' }>({
        method: 'pdarts',
        spaces: ['pdarts', 'darts'],
        options: { augment },
        services: services(calls),
        load: async () => (calls.push('load'), async (_ctx, _o, _t, aug) => ({ architectures: [aug ? 'augmented' : 'plain'] })),
      });
    const ctx = { space: { id: 'nas-bench-201' } } as SearchContext<string>;
    await expect(method('none').search(ctx)).rejects.toThrow("pdarts: needs the 'pdarts' or 'darts' search space, got 'nas-bench-201'");
    expect(calls).toEqual([]);
    expect((await method('none').search({ space: { id: 'darts' } } as SearchContext<string>)).architectures).toEqual(['plain']);
    expect(calls).toEqual(['load', 'training']);
    expect((await method('crop-flip').search({ space: { id: 'pdarts' } } as SearchContext<string>)).architectures).toEqual(['augmented']);
  });
});

describe('killAndResume', () => {
  it('fails when a search with an aborted signal does not stop', async () => {
    const fixture = searchFixture<string>('harness', () => ({ id: 'toy' }) as never);
    const ignoresSignal: SearchMethod<string> = { search: async () => ({ architectures: ['a'] }) };
    await expect(killAndResume(ignoresSignal, fixture.context, 1, 1)).rejects.toThrow('the search with an aborted signal did not stop');
    await fixture.cleanup();
  });
});
