import { useQuery } from '@tanstack/react-query';
import { getSubscriptionTypes } from '../../../functions/manage-campaigns/routes';
import { useApi } from './api';

/** The subscription types as stored (admins edit them under Settings); one query every page shares. */
export function useSubscriptionTypes() {
  const api = useApi();
  return useQuery({ queryKey: ['subscription-types'], queryFn: () => api.call(getSubscriptionTypes, {}) });
}

/**
 * The types a new campaign or form version may name: the active ones, and `current` when it is an archived
 * one already chosen (so the picker shows what is saved rather than silently switching it).
 */
export function typeChoices(types: readonly { readonly id: string; readonly archived?: boolean }[] | undefined, current?: string): string[] {
  const active = (types ?? []).filter((type) => !type.archived).map((type) => type.id);
  return current && !active.includes(current) ? [...active, current] : active;
}
