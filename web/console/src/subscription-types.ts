import { useQuery } from '@tanstack/react-query';
import { useCallback } from 'react';
import { getSubscriptionTypes } from '../../../functions/manage-send-settings/routes';
import { useApi } from './api';
import { useI18n } from './i18n';
import { subscriptionTypeName } from './subscription-type-name';

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

/**
 * How a page names a subscription type to people (see `subscriptionTypeName`), in the page's language
 * from the stored catalogue.
 */
export function useSubscriptionTypeName(): (typeId: string) => string {
  const { text, language } = useI18n();
  const types = useSubscriptionTypes().data?.types;
  return useCallback((typeId: string) => subscriptionTypeName(types, typeId, language, (name) => text('subscriptionTypes.archivedName', { name })), [types, text, language]);
}
