import { Injectable } from '@nestjs/common';

/**
 * The one source of "now". Inject it instead of calling Date.now(), so tests can drive time
 * (see FakeClock) without sleeping.
 */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }

  nowMs(): number {
    return Date.now();
  }
}

/** A clock that only moves when told to. For tests. */
export class FakeClock extends Clock {
  constructor(private current = Date.parse('2026-11-25T10:00:00Z')) {
    super();
  }

  override now(): Date {
    return new Date(this.current);
  }

  override nowMs(): number {
    return this.current;
  }

  set(at: Date | string): void {
    this.current = typeof at === 'string' ? Date.parse(at) : at.getTime();
  }

  advance(ms: number): void {
    this.current += ms;
  }
}
