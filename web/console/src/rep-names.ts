import { useQuery } from '@tanstack/react-query';
import { getRouting } from '../../../functions/manage-routing/routes';
import { ApiError } from '../../../src/api/client';
import { useApi } from './api';
import type { Session } from './session';

/** The routing's reps and teams by id, as people know them. */
export interface RepNames {
  /** Whether reps are chosen by name: this user may read the routing, and it was read or is being read. */
  readonly byName: boolean;
  readonly reps: readonly { readonly id: string; readonly name: string }[];
  /** Whether the routing has been read (its teams are then all there are). */
  readonly read: boolean;
  /** The routing's teams with their reps, in the routing's order. */
  readonly teams: readonly { readonly id: string; readonly name: string; readonly reps: readonly { readonly id: string; readonly name: string }[] }[];
  /** A rep's name, or its id when the routing no longer has it (or this user may not read the routing). */
  readonly repName: (repId: string) => string;
  readonly teamName: (teamId: string) => string;
}

/**
 * Names of the routing's reps and teams for those who may read the routing (admins and marketers), so
 * pages show an owner as "Rina Putri" instead of `rep-7`; sales reps, who may not, see the ids.
 */
export function useRepNames(session: Session): RepNames {
  const api = useApi();
  const routing = useQuery({
    queryKey: ['routing', 'names'],
    queryFn: async () => {
      try {
        return (await api.call(getRouting, {})).teams;
      } catch (error) {
        // No routing saved yet: nobody has a name.
        if (error instanceof ApiError && error.status === 404) return [];
        throw error;
      }
    },
    enabled: session.role !== 'sales',
    staleTime: 60_000,
  });
  const teams = routing.data ?? [];
  const reps = teams.flatMap((team) => team.reps.map((rep) => ({ id: rep.id, name: rep.name })));
  const repNames = new Map(reps.map((rep) => [rep.id, rep.name]));
  const teamNames = new Map(teams.map((team) => [team.id, team.name]));
  return { byName: session.role !== 'sales' && !routing.isError, read: routing.isSuccess, reps, teams, repName: (repId) => repNames.get(repId) ?? repId, teamName: (teamId) => teamNames.get(teamId) ?? teamId };
}
