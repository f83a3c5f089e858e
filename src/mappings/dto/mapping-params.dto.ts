import { EmployeeNumberField, PortalUserIdField, VpdField } from '../identifiers';

/** Path: /v1/users/{portalUserId}/... */
export class PortalUserParamsDto {
  @PortalUserIdField()
  portalUserId!: string;
}

/** Path: /v1/users/{portalUserId}/esr-mappings/{vpd}/{employeeNumber} */
export class MappingParamsDto extends PortalUserParamsDto {
  @VpdField()
  vpd!: string;

  @EmployeeNumberField()
  employeeNumber!: string;
}
