import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { MappingCache } from '../mapping-cache/mapping-cache';

/**
 * Every write of what the mirror holds (adds, deletes, imports, ESR check results: MappingsService,
 * MappingImportService, MappingCheckQueue) runs through writing(). The mapping mirror (access
 * resolution's copy in the cache) is held for these users before the database write and released
 * after it, so no instance answers from a list older than the write once it returns
 * (src/mapping-cache/mapping-cache.ts). A hold that fails throws DEPENDENCY_UNAVAILABLE (503) with
 * nothing written; a release that fails leaves the users held, which is safe (they are read from
 * the database until the consistency check clears it).
 *
 * Query budget: one cache round trip to hold and one to release (none for no users).
 */
@Injectable()
export class MappingMirrorHold {
  private readonly logger = new Logger(MappingMirrorHold.name);

  constructor(
    private readonly mirror: MappingCache,
    private readonly clock: Clock,
  ) {}

  /** Runs `write` with these users held in the mirror, releasing them after it whether or not it succeeded. */
  async writing<T>(portalUserIds: string[], write: () => Promise<T>): Promise<T> {
    if (portalUserIds.length === 0) return write();
    const hold = await this.mirror.hold(portalUserIds, this.clock.nowMs());
    try {
      return await write();
    } finally {
      await this.mirror.release(portalUserIds, hold).catch((error: unknown) => {
        this.logger.warn({
          msg: 'mapping mirror not released after a write; those users are read from the database until the consistency check clears the hold',
          users: new Set(portalUserIds).size,
          error: (error as Error).message,
        });
      });
    }
  }
}
