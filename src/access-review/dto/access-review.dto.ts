import { ApiProperty } from '@nestjs/swagger';
import { PageCursorField, PageLimitField } from '../../common/http/paging';
import { ACCESS_STATES, AccessState } from '../../domain/access.types';
import { VpdField } from '../../mappings/identifiers';

export const ACCESS_REVIEW_DEFAULT_LIMIT = 100;
export const ACCESS_REVIEW_MAX_LIMIT = 500;

export class AccessReviewParamsDto {
  @VpdField()
  vpd!: string;
}

export class AccessReviewQueryDto {
  @PageCursorField(400)
  cursor?: string;

  @PageLimitField(ACCESS_REVIEW_MAX_LIMIT, ACCESS_REVIEW_DEFAULT_LIMIT)
  limit?: number;
}

export class AccessReviewItemDto {
  @ApiProperty({ example: 'hiran.mistry@trust.nhs.uk' }) portalUserId!: string;
  @ApiProperty({ example: '30581377' }) employeeNumber!: string;
  @ApiProperty({ type: String, nullable: true, example: 'Mr Hiran Mistry', description: 'The name ESR holds; null when not known' })
  displayName!: string | null;
  @ApiProperty({ enum: ACCESS_STATES, example: 'ACTIVE', description: "The mapping's state, as GET /v1/users/{id}/esr-access answers it" })
  state!: AccessState;
  @ApiProperty({
    type: String,
    nullable: true,
    example: '2026-11-26T10:12:00.000Z',
    description: 'ACTIVE: since when Search ESR has been on; PENDING_ACTIVATION: from when it will be; null otherwise',
  })
  since!: string | null;
  @ApiProperty({ example: 'lsa.one@trust.nhs.uk', description: 'The portal user who added the mapping' }) createdBy!: string;
  @ApiProperty({ example: '2026-11-25T10:12:00.000Z' }) createdAt!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    example: '2026-11-25T10:12:01.000Z',
    description: 'When the gateway last confirmed the record in ESR; null when never',
  })
  lastVerifiedAt!: string | null;
}

export class AccessReviewPageDto {
  @ApiProperty({ example: '979' }) vpd!: string;
  @ApiProperty({ example: '2026-11-25T10:15:00.000Z', description: 'The instant the states were judged at' }) asOf!: string;
  @ApiProperty({ type: [AccessReviewItemDto], description: 'Every mapping of the VPD, by portal user then employee number' })
  items!: AccessReviewItemDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
