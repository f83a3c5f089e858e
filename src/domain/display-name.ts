/** The most a display name keeps (the esr_mappings.display_name column's length). */
export const DISPLAY_NAME_MAX_LENGTH = 200;

/** The name parts ESR holds for a person (each may be missing). */
export interface PersonNameParts {
  title?: string | null;
  firstName?: string | null;
  lastName?: string | null;
}

/**
 * Title, first and last name as ESR holds them (e.g. "Mr Hiran Mistry"): the one formatter of a
 * person's display name (Manage User's `esrPerson.displayName`, the role cache, reconciliation).
 * Null when ESR gave neither a first nor a last name (a title alone names nobody).
 */
export function displayNameOf(person: PersonNameParts): string | null {
  const first = person.firstName?.trim();
  const last = person.lastName?.trim();
  if (!first && !last) return null;
  return [person.title?.trim(), first, last].filter(Boolean).join(' ').slice(0, DISPLAY_NAME_MAX_LENGTH);
}
