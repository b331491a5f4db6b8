import type {Address} from '@ton/core';
import type {ChainClient} from '../chain/client.js';
import {formatPricePerMillion} from '../chain/units.js';
import {servedKind} from '../chain/contracts/registry-extension.js';
import {discoverProviders, matchesFilter, rankProviders, type DiscoveredProvider, type ProviderFilter} from '../consumer/discovery.js';

/** Options of a ProviderDirectory. */
export interface ProviderDirectoryOptions {
  client: ChainClient;
  registry: Address;
  /** Reuse a discovery (registry read and liveness checks) younger than this, ms. Default: 5000. */
  cacheMs?: number;
  /** Reuse a registry read younger than this, ms (passed to discovery). Default: discovery's (15 s). */
  registryCacheMs?: number;
  /** Clock, ms. Default: Date.now. */
  now?: () => number;
  /** Audit policy applied to every request: flagged nodes are skipped unless `includeFlagged`; `requireAudited` keeps only passed ones. */
  audit?: {includeFlagged?: boolean; requireAudited?: boolean; quorum?: number};
}

/** One entry of GET /v1/models. */
export interface ModelEntry {
  id: string;
  object: 'model';
  /** Unix seconds: the earliest registration of this model. */
  created: number;
  owned_by: string;
  /** Cocoon's extension: what the network offers for this model. */
  cocoon: {
    /** Active providers registered for it, and how many of them answered just now. */
    providers: number;
    live_providers: number;
    architectures: string[];
    /** Largest context window offered, tokens. */
    context_length: number;
    /** What its nodes serve: 'chat' (chat and completions) and/or 'embeddings' (/v1/embeddings). */
    kinds: Array<'chat' | 'embeddings'>;
    /** GRAM per 1M tokens, lowest and highest across providers. */
    price_per_1m_tokens: {prompt: {min: string; max: string}; completion: {min: string; max: string}};
  };
}

const matches = (p: DiscoveredProvider, f: ProviderFilter) => matchesFilter(p.record, f, undefined, p.audit);

const min = (xs: bigint[]) => xs.reduce((a, b) => (b < a ? b : a));
const max = (xs: bigint[]) => xs.reduce((a, b) => (b > a ? b : a));

/**
 * The network's providers as the gateway sees them: one discovery (registry
 * read plus signed liveness checks) shared by all requests for a few seconds,
 * so a burst of requests costs each provider one /v1/info, not one each.
 */
export class ProviderDirectory {
  private cached?: {at: number; providers: Promise<DiscoveredProvider[]>};
  private readonly now: () => number;

  constructor(private readonly options: ProviderDirectoryOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Every active provider, with liveness. */
  all(): Promise<DiscoveredProvider[]> {
    const fresh = this.cached && this.now() - this.cached.at < (this.options.cacheMs ?? 5000);
    if (!fresh) {
      const audit = this.options.audit ?? {};
      const filter = {kind: 'any' as const, ...(audit.includeFlagged ? {includeFlagged: true} : {}), ...(audit.quorum ? {auditQuorum: audit.quorum} : {})};
      const providers = discoverProviders({client: this.options.client, registry: this.options.registry, cacheMs: this.options.registryCacheMs, filter});
      this.cached = {at: this.now(), providers};
      // A failed read must not be served from the cache.
      providers.catch(() => {
        if (this.cached?.providers === providers) this.cached = undefined;
      });
    }
    return this.cached!.providers;
  }

  /** Forget the cached discovery (a provider failed: look again next time). */
  invalidate(): void {
    this.cached = undefined;
  }

  /** Providers that fit `filter`, best first (live before down, then cheapest). */
  async candidates(filter: ProviderFilter): Promise<DiscoveredProvider[]> {
    const audit = this.options.audit ?? {};
    const withPolicy = {...filter, ...(audit.includeFlagged ? {includeFlagged: true} : {}), ...(audit.requireAudited ? {requireAudited: true} : {})};
    return rankProviders((await this.all()).filter((p) => matches(p, withPolicy)));
  }

  /** True when some active provider serves `model` (for chat and completions, or embeddings), whatever its price or liveness. */
  async knows(model: string, kind: 'chat' | 'embeddings' = 'chat'): Promise<boolean> {
    return (await this.all()).some((p) => matches(p, {model, kind}));
  }

  /** One entry per distinct model name (case-insensitive), sorted by name. */
  async models(): Promise<ModelEntry[]> {
    const groups = new Map<string, DiscoveredProvider[]>();
    for (const p of (await this.all()).filter((x) => x.record.status === 'active')) {
      const key = p.record.model.toLowerCase();
      groups.set(key, [...(groups.get(key) ?? []), p]);
    }
    return [...groups.values()]
      .map((ps): ModelEntry => {
        const prompt = ps.map((p) => p.record.promptPrice);
        const completion = ps.map((p) => p.record.completionPrice);
        return {
          id: ps[0]!.record.model,
          object: 'model',
          created: Math.min(...ps.map((p) => p.record.registeredAt)),
          owned_by: 'cocoon',
          cocoon: {
            providers: ps.length,
            live_providers: ps.filter((p) => p.live).length,
            architectures: [...new Set(ps.map((p) => p.record.architecture))].sort(),
            context_length: Math.max(...ps.map((p) => p.record.contextSize)),
            kinds: [...new Set(ps.map((p) => servedKind(p.record.extension)).filter((k) => k !== 'other'))].sort() as Array<'chat' | 'embeddings'>,
            price_per_1m_tokens: {
              prompt: {min: formatPricePerMillion(min(prompt)), max: formatPricePerMillion(max(prompt))},
              completion: {min: formatPricePerMillion(min(completion)), max: formatPricePerMillion(max(completion))},
            },
          },
        };
      })
      .sort((a, b) => a.id.localeCompare(b.id));
  }
}
