import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsString, Matches } from 'class-validator';
import { Transform } from 'class-transformer';
import { PORTAL_USER_ID, toCanonicalPortalUserId } from '../../domain/identifiers';
import { ACCESS_STATES, AccessState, MappingAccess, UserAccess } from '../../domain/access.types';

const PORTAL_USER_ID_MESSAGE = 'each portalUserIds entry must be 1-128 characters of A-Z a-z 0-9 . _ @ -';

export class MappingAccessDto implements MappingAccess {
  @ApiProperty({ example: '979' }) vpd!: string;
  @ApiProperty({ example: '30581377' }) employeeNumber!: string;

  @ApiProperty({
    enum: ACCESS_STATES,
    example: 'PENDING_ACTIVATION',
    description:
      'Precedence: NOT_SYNCED for a VPD the gateway does not serve > NOT_FOUND_IN_ESR (a check found no such record in ' +
      'ESR and the synced role data does not know it) > NOT_SYNCED (ESR does not list the VPD, or never synced) > STALE ' +
      '(last sync older than ACCESS_MAX_STALENESS) > RECORD_INACTIVE > ACTIVE (a role window contains now) > ' +
      'PENDING_ACTIVATION (a window starts later) > NO_ROLE.',
  })
  state!: AccessState;

  @ApiProperty({
    type: String,
    nullable: true,
    example: '2026-11-26T10:12:00.000Z',
    description: 'ACTIVE: access granted since; PENDING_ACTIVATION: access starts; NO_ROLE: start of the last, ended window. Else null.',
  })
  effectiveFrom!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description: 'End (exclusive) of that window; null when open-ended or not applicable',
  })
  effectiveUntil!: string | null;

  @ApiProperty({
    example:
      'Role Digital Passport Administrator was assigned in ESR on 25 Nov 2026 at 10:12; Search ESR becomes available 24 hours later, on 26 Nov 2026 at 10:12 (UK time).',
    description: 'One sentence in UK local time',
  })
  reason!: string;

  @ApiProperty({ type: String, nullable: true, example: '2026-11-25T10:15:00.000Z', description: "The VPD's last successful sync" })
  lastSyncedAt!: string | null;

  @ApiProperty({
    example: true,
    description:
      'ESR has confirmed the record exists; false while a check is outstanding (the reason then says so) or when ESR did not know it',
  })
  verified!: boolean;
}

export class UserAccessDto implements UserAccess {
  @ApiProperty({ example: 'hiran.mistry@nhs.net' }) portalUserId!: string;
  @ApiProperty({ description: 'True when at least one mapping is ACTIVE' }) searchEnabled!: boolean;
  @ApiProperty({ type: [String], example: ['979'], description: 'VPDs with an ACTIVE mapping' }) enabledVpds!: string[];
  @ApiProperty({ example: '2026-11-25T10:20:00.000Z', description: 'When the answer was computed' }) asOf!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    example: '2026-11-26T10:12:00.000Z',
    description: 'Earliest future effectiveFrom/effectiveUntil; null if none',
  })
  nextChangeAt!: string | null;

  @ApiProperty({ type: [MappingAccessDto] }) mappings!: MappingAccessDto[];

  @ApiProperty({
    required: false,
    description: 'Only when the user has no mappings: what to do about it',
    example:
      'No ESR record is mapped to this portal user yet; ask your Local System Administrator to add your ESR employee number and VPD via Manage User.',
  })
  reason?: string;
}

export class AccessBatchRequestDto {
  @ApiProperty({
    type: 'array',
    items: { type: 'string', pattern: PORTAL_USER_ID.source, maxLength: 128 },
    minItems: 1,
    maxItems: 100,
    uniqueItems: true,
    description: 'Portal user ids (1 to 100, no repeats)',
    example: ['hiran.mistry@nhs.net', 'lsa.user@nhs.net'],
  })
  // Decorators run bottom-up and stop at the first failure: the list checks must come last.
  @ArrayUnique({ message: 'portalUserIds must not repeat an id' })
  @Matches(PORTAL_USER_ID, { each: true, message: PORTAL_USER_ID_MESSAGE })
  @IsString({ each: true, message: PORTAL_USER_ID_MESSAGE })
  @ArrayMaxSize(100, { message: 'portalUserIds must hold at most 100 ids' })
  @ArrayMinSize(1, { message: 'portalUserIds must hold at least one id' })
  @IsArray({ message: 'portalUserIds must be a list of portal user ids' })
  @Transform(toCanonicalPortalUserId)
  portalUserIds!: string[];
}

export class AccessBatchResponseDto {
  @ApiProperty({ type: [UserAccessDto], description: 'One access object per id, in the order asked' })
  items!: UserAccessDto[];
}
