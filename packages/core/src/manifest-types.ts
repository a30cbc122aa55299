/** The types of a validated manifest (kept apart so the plugin host and planner need no parser). */

/** Where each field of a manifest is, and its raw (unvalidated) content: for error messages. */
export interface ManifestSource {
  readonly file: string;
  readonly raw?: unknown;
  /** Locates a field path in the source. */
  readonly locate: (path: (string | number)[]) => { line?: number; column?: number };
}

/** A reference to a plugin: its short id, package name or path, and its options. */
export interface PluginRef {
  readonly id: string;
  /** Label used in job ids and results (defaults to the id). */
  readonly label: string;
  readonly options: Record<string, unknown>;
  /** Field path of this reference in the manifest, for error messages. */
  readonly path: (string | number)[];
  /** Datasets only: protocol knobs for this dataset's train jobs, over every protocol's. */
  readonly protocol?: Readonly<Record<string, unknown>>;
  /** Methods only: the space this method searches, when not the manifest's `space`. */
  readonly space?: PluginRef;
  /**
   * Methods only: not written in the manifest, planned by core as the random baseline of a space
   * some method searches (the baseline method on that space; see `space-baselines.ts`).
   */
  readonly spaceBaseline?: boolean;
}

/**
 * A protocol of the manifest: its name and tricks (core's), and the knobs core passes to the
 * trainer unread. `prepareStudy` replaces the knobs by what the trainer's schema parsed.
 */
export interface ResolvedProtocol {
  readonly name: string;
  /**
   * The protocol preset this protocol builds on (a method's, see `ProtocolPreset`), until
   * `prepareStudy` resolves it into knobs and tricks; a resolved protocol has none.
   */
  readonly preset?: string;
  readonly tricks: PluginRef[];
  /** Where this protocol's own knobs are written (the base `protocol`, or an ablation entry), and which. */
  readonly source?: { readonly path: (string | number)[]; readonly knobs: readonly string[] };
  readonly [knob: string]: unknown;
}

/** A validated manifest, with plugin references normalised and the source kept for errors. */
export interface Manifest extends ManifestSource {
  readonly dir: string;
  /** sha256 prefix of the normalised manifest (provenance). */
  readonly hash: string;
  readonly name: string;
  readonly description?: string;
  readonly seeds: number[];
  readonly datasets: PluginRef[];
  readonly space: PluginRef;
  readonly methods: PluginRef[];
  readonly baseline: string;
  readonly protocol: ResolvedProtocol;
  /** The protocols train jobs use: the base protocol, or its ablation family (base first). */
  readonly protocols: ResolvedProtocol[];
  readonly benchmark?: PluginRef;
  readonly trainer?: PluginRef;
  /** Labels of the backends the manifest allows, in its order (`['auto']` by default). */
  readonly backends: string[];
  /** Those backends with their options (`auto` has none). */
  readonly backendRefs: PluginRef[];
  readonly executor: PluginRef;
  /** Absolute path of the results folder. */
  readonly store: string;
  readonly scoring: 'final' | 'best';
  /** How reports count diverged trainings: left out (`exclude`) or at chance accuracy (`chance`). */
  readonly report: { readonly diverged: 'exclude' | 'chance' };
  /** The trainer schema the protocols were validated with at load time (see `ManifestOptions`), if any. */
  readonly protocolSchema?: unknown;
  readonly raw: unknown;
}
