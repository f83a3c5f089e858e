import { Injectable } from "@nestjs/common";
import { InjectRepository } from "@nestjs/typeorm";
import { EntityManager, Repository } from "typeorm";
import { Clock } from "../common/clock/clock";
import { AuditEvent, AuditEventType } from "./audit-event.entity";

export interface NewAuditEvent {
  type: AuditEventType;
  /** X-Acting-User, or 'system' for the sync. */
  actor: string;
  apiKeyId?: string | null;
  requestId?: string | null;
  subjectUserId?: string | null;
  vpd?: string | null;
  employeeNumber?: string | null;
  outcome?: string | null;
  /** Never names, dates of birth or NI numbers. */
  details?: Record<string, unknown> | null;
}

@Injectable()
export class AuditService {
  constructor(
    @InjectRepository(AuditEvent)
    private readonly events: Repository<AuditEvent>,
    private readonly clock: Clock,
  ) {}

  /**
   * Appends an audit event. Pass the transaction's EntityManager so the event commits (or rolls
   * back) together with the change it records.
   */
  async record(event: NewAuditEvent, manager?: EntityManager): Promise<void> {
    const repository = manager
      ? manager.getRepository(AuditEvent)
      : this.events;
    await repository.save(
      repository.create({
        type: event.type,
        occurredAt: this.clock.now(),
        actor: event.actor,
        apiKeyId: event.apiKeyId ?? null,
        requestId: event.requestId ?? null,
        subjectUserId: event.subjectUserId ?? null,
        vpd: event.vpd ?? null,
        employeeNumber: event.employeeNumber ?? null,
        outcome: event.outcome ?? null,
        details: event.details ?? null,
      }),
    );
  }
}
