import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ERROR_STATUS, type ErrorCode } from './domain-error';

export class ErrorDetailDto {
  @ApiProperty({ example: 'employeeNumber' }) field!: string;
  @ApiProperty({ example: 'employeeNumber must be 8 digits' }) message!: string;
}

/** The one error body of the gateway API contract. */
export class ErrorResponseDto {
  @ApiProperty({ type: String, enum: Object.keys(ERROR_STATUS), example: 'VALIDATION_FAILED' }) error!: ErrorCode;
  @ApiProperty({ example: 'Please enter an employee number and vpd' }) message!: string;
  @ApiPropertyOptional({ type: [ErrorDetailDto] }) details?: ErrorDetailDto[];
  @ApiProperty({ example: '6f1c1f7e-5d7e-4b87-a6a5-4b2f0f9a1c3e' }) requestId!: string;
}
