import { PORTAL_USER_ID } from '../../domain/identifiers';
import { EmployeeNumberField, PortalUserIdField, VpdField } from '../identifiers';

/** An id with a letter canonicalPortalUserId would change (ids are ASCII: PORTAL_USER_ID). */
const UPPER_CASE = /[A-Z]/;

/** Path: /v1/users/{portalUserId}/... */
export class PortalUserParamsDto {
  @PortalUserIdField()
  portalUserId!: string;

  /**
   * The access route's hot path (see FastAcceptingDto): exactly `{ portalUserId }` matching its
   * pattern, already in its canonical (lower-case) form; any other case takes the full validation,
   * which canonicalises it. Only this class: a subclass has more fields and takes the full validation.
   */
  static acceptsFast(this: unknown, value: unknown): boolean {
    if (this !== PortalUserParamsDto || typeof value !== 'object' || value === null) return false;
    const keys = Object.keys(value);
    const id = (value as { portalUserId?: unknown }).portalUserId;
    return keys.length === 1 && keys[0] === 'portalUserId' && typeof id === 'string' && PORTAL_USER_ID.test(id) && !UPPER_CASE.test(id);
  }
}

/** Path: /v1/users/{portalUserId}/esr-mappings/{vpd}/{employeeNumber} */
export class MappingParamsDto extends PortalUserParamsDto {
  @VpdField()
  vpd!: string;

  @EmployeeNumberField()
  employeeNumber!: string;
}
