/**
 * Types of the DARTS supernet, reached through `@naslab/space-darts`'s lazy loader (the package
 * exports only its cheap entry; the network module is loaded at job time).
 */
import type { loadDartsSupernet } from '@naslab/space-darts';

export type SupernetModule = Awaited<ReturnType<typeof loadDartsSupernet>>;
export type DartsSupernet = InstanceType<SupernetModule['DartsSupernet']>;
export type SupernetSpec = ConstructorParameters<SupernetModule['DartsSupernet']>[0];
