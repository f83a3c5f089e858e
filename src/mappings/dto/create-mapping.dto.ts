import { EmployeeNumberField, VpdField } from '../identifiers';

/**
 * Body of POST /v1/users/{portalUserId}/esr-mappings. Either field missing or empty: 422 "Please
 * enter an employee number and vpd"; a bad format: 422 naming the field; any other field: 422.
 */
export class CreateEsrMappingDto {
  @VpdField()
  vpd!: string;

  @EmployeeNumberField()
  employeeNumber!: string;
}
