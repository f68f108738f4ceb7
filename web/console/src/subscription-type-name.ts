/** A stored subscription type as a page names it: its label in each language, and whether it is archived. */
export interface NamedType {
  readonly id: string;
  readonly label: { readonly en: string; readonly id: string };
  readonly archived?: boolean;
}

/**
 * A subscription type's name for people: its label in `language`, marked by `archivedName` when
 * archived; the id itself for a type the catalogue does not hold (deleted, or while the catalogue
 * loads), so a stored value is never hidden.
 */
export function subscriptionTypeName(types: readonly NamedType[] | undefined, typeId: string, language: 'en' | 'id', archivedName: (name: string) => string): string {
  const type = types?.find((candidate) => candidate.id === typeId);
  if (!type) return typeId;
  return type.archived ? archivedName(type.label[language]) : type.label[language];
}
