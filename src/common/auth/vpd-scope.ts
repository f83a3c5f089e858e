import { DomainError } from '../errors/domain-error';

/**
 * The VPDs an API key may act in (API_KEYS `id:secret:scopes:979+806`), or every VPD for an unscoped
 * key. Pure decisions, no I/O: whether a VPD is allowed, the refusal sentence naming the ones that are
 * not, and lists filtered to the allowed ones. The ApiKeyGuard gives every authenticated request one
 * (`request.vpdScope`); VpdScopeGuard checks the VPDs a request names; services filter with it.
 */
export class VpdScope {
  /** An unscoped key: every VPD. */
  static readonly ALL = new VpdScope('all');

  private constructor(readonly vpds: ReadonlySet<string> | 'all') {}

  /** The scope of a key's VPD list (undefined: unscoped). */
  static of(vpds: readonly string[] | undefined): VpdScope {
    return vpds === undefined ? VpdScope.ALL : new VpdScope(new Set(vpds));
  }

  /** True for a key restricted to some VPDs. */
  get restricted(): boolean {
    return this.vpds !== 'all';
  }

  /** The VPDs as a sorted list, or undefined when every VPD is allowed (for queries: `vpd IN (...)`). */
  get list(): string[] | undefined {
    return this.vpds === 'all' ? undefined : [...this.vpds].sort();
  }

  allows(vpd: string): boolean {
    return this.vpds === 'all' || this.vpds.has(vpd);
  }

  /** The sentence refusing these VPDs (those not allowed among them), or null when all are allowed. */
  refusal(vpds: Iterable<string>): string | null {
    const outside = [...new Set(vpds)].filter((vpd) => !this.allows(vpd)).sort();
    if (outside.length === 0) return null;
    const named = outside.length === 1 ? `VPD ${outside[0]}` : `VPDs ${outside.join(', ')}`;
    return `This API key may not act in ${named}: it acts only in ${this.describe()}.`;
  }

  /** Throws FORBIDDEN naming the VPDs the key may not act in. */
  check(vpds: Iterable<string>): void {
    const refusal = this.refusal(vpds);
    if (refusal) throw new DomainError('FORBIDDEN', refusal);
  }

  /** Throws FORBIDDEN when the key is restricted: for what spans every VPD (`what`: a clause saying so). */
  requireAll(what: string): void {
    if (this.restricted) throw new DomainError('FORBIDDEN', `${what}: this API key acts only in ${this.describe()}.`);
  }

  /** The items in allowed VPDs. */
  filter<T>(items: readonly T[], vpdOf: (item: T) => string | null | undefined): T[] {
    if (this.vpds === 'all') return [...items];
    return items.filter((item) => {
      const vpd = vpdOf(item);
      return vpd != null && this.allows(vpd);
    });
  }

  /** "VPD 979" or "VPDs 806, 979" or "every VPD". */
  describe(): string {
    const list = this.list;
    if (!list) return 'every VPD';
    return list.length === 1 ? `VPD ${list[0]}` : `VPDs ${list.join(', ')}`;
  }
}
