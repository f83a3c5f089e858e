import { Injectable } from '@nestjs/common';

/** Process lifecycle flags: readiness turns 503 as soon as shutdown begins, so traffic drains. */
@Injectable()
export class LifecycleService {
  private drainingSince: Date | null = null;

  beginDraining(): void {
    this.drainingSince ??= new Date();
  }

  get draining(): boolean {
    return this.drainingSince !== null;
  }
}
