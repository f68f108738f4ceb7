import type { TextKey } from './i18n';
import type { Role } from './session';

/** The console's sections and who may use each. The API enforces roles; this only hides what a role cannot do. */
export const SECTIONS = [
  { path: 'leads', label: 'nav.leads', roles: ['admin', 'marketer', 'sales'] },
  { path: 'inbox', label: 'nav.inbox', roles: ['admin', 'sales'] },
  { path: 'scoring', label: 'nav.scoring', roles: ['admin', 'marketer'] },
  { path: 'segments', label: 'nav.segments', roles: ['admin', 'marketer'] },
  { path: 'templates', label: 'nav.templates', roles: ['admin', 'marketer'] },
  { path: 'campaigns', label: 'nav.campaigns', roles: ['admin', 'marketer'] },
  { path: 'journeys', label: 'nav.journeys', roles: ['admin', 'marketer'] },
  { path: 'forms', label: 'nav.forms', roles: ['admin', 'marketer'] },
  { path: 'reports', label: 'nav.reports', roles: ['admin', 'marketer', 'sales'] },
  { path: 'care', label: 'nav.care', roles: ['admin', 'marketer'] },
  { path: 'subscription-types', label: 'nav.subscriptionTypes', roles: ['admin', 'marketer', 'sales'] },
  { path: 'settings', label: 'nav.settings', roles: ['admin'] },
] as const satisfies readonly { path: string; label: TextKey; roles: readonly Role[] }[];

export type SectionPath = (typeof SECTIONS)[number]['path'];

export const canUse = (role: Role, path: SectionPath): boolean => SECTIONS.some((section) => section.path === path && (section.roles as readonly Role[]).includes(role));
