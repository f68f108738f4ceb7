/**
 * Who may call the admin API. People signed in to the console have one role each (from their Cognito
 * group in AWS, from their development session locally); services (the CLI with IAM credentials in
 * AWS, the development token locally) are trusted with everything, as the operators who hold them are.
 */

/** In order of what they may do: an admin may do everything a marketer may, and more. */
export const ROLES = ['admin', 'marketer', 'sales'] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

/**
 * Who sent an admin request, as the API's authoriser established it.
 * - `service`: IAM (SigV4) in AWS or the development token locally: full access, and no person to name
 *   (a record's actor comes from the request, as the CLI's `--actor`).
 * - `user`: a person signed in to the console. `user` is their sign-in name (a sales rep's is their
 *   rep id in the routing), `subject` an opaque id that is safe to log.
 */
export type Caller =
  /** `principal`: the IAM unique id of who signed (AIDA… for a user, AROA… for a role), never a name or a session name. */
  | { readonly kind: 'service'; readonly principal?: string }
  | { readonly kind: 'user'; readonly user: string; readonly name: string; readonly role: Role; readonly subject: string }
  | { readonly kind: 'anonymous' };

export type UserCaller = Extract<Caller, { kind: 'user' }>;

/** Route access by job. Admins may call every admin route; each route lists every role that may. */
export const ADMIN_ONLY: readonly Role[] = ['admin'];
/** Scoring, segments, templates, campaigns, journeys, forms and sources, and reports. */
export const MARKETING: readonly Role[] = ['admin', 'marketer'];
/** A sales rep's own leads, feedback on them, and the handoff reports. */
export const SALES: readonly Role[] = ['admin', 'sales'];
export const EVERY_ROLE: readonly Role[] = ROLES;

/** Whether a caller may call a route open to `roles`: services always, people by their role. */
export const mayCall = (caller: Caller, roles: readonly Role[]): boolean =>
  caller.kind === 'service' || (caller.kind === 'user' && roles.includes(caller.role));

/**
 * The role of a person in these groups: the one that may do the most, so an admin who is also in the
 * sales group keeps admin. Undefined when none of the groups is a role: such a user may call nothing.
 */
export const roleOfGroups = (groups: readonly string[]): Role | undefined => ROLES.find((role) => groups.includes(role));

/**
 * Whether a caller may see a lead owned as `owner`: sales reps see their own leads (their user name is
 * their rep id) and no one else's; everyone else who may call the route sees every lead.
 */
export const maySeeLead = (caller: Caller, owner: { readonly repId: string } | undefined): boolean =>
  caller.kind !== 'user' || caller.role !== 'sales' || owner?.repId === caller.user;

/** What a record's `actor` says for a person: their user name, the same id the routing knows a rep by. */
export const actorOf = (caller: UserCaller): string => caller.user;

/**
 * The owner a caller's lead lists are limited to: a sales rep's own rep id, whatever filter they ask
 * for; undefined (every lead, as filtered) for anyone else.
 */
export const ownLeadsOnly = (caller: Caller): string | undefined => (caller.kind === 'user' && caller.role === 'sales' ? caller.user : undefined);
