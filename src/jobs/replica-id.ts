import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * This replica's one id as a holder: of every job's lease, of webhook row claims and in sync run
 * records. Host, process id and a random suffix, so two applications in one process (tests) differ.
 */
@Injectable()
export class ReplicaId {
  readonly value = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  toString(): string {
    return this.value;
  }
}
