import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { claimInboxLead, getTeamInbox } from '../../../../functions/sales-feedback/routes';
import { refetchAfterChange } from '../after-change';
import { useApi } from '../api';
import { useI18n } from '../i18n';
import { ErrorNotice, Loading } from '../notices';
import { useRepNames } from '../rep-names';
import type { Session } from '../session';

const PAGE_SIZE = 50;

/**
 * The sales team inbox: MQLs routed to the team while every rep was at capacity, oldest first. A rep
 * sees their own team's and claims one (the API gives it to exactly one rep); an admin picks the team
 * and the rep a claim goes to by name from the routing (by id when the routing cannot be read).
 */
export default function TeamInboxPage({ session }: { readonly session: Session }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const { text, formatDate } = useI18n();
  const isRep = session.role === 'sales';
  const routing = useRepNames(session);
  const [team, setTeam] = useState('');
  // The team chosen in the form, before Show inbox: its reps are the ones to choose from.
  const [chosenTeam, setChosenTeam] = useState('');
  // An admin claims on behalf of a rep of the team, named here.
  const [repId, setRepId] = useState('');
  const [cursors, setCursors] = useState<readonly string[]>([]);
  const cursor = cursors.at(-1);
  const inbox = useQuery({
    queryKey: ['team-inbox', team, cursor],
    queryFn: () => api.call(getTeamInbox, { query: { limit: String(PAGE_SIZE), ...(team ? { team } : {}), ...(cursor ? { cursor } : {}) } }),
    enabled: isRep || team !== '',
  });
  const claim = useMutation({
    mutationFn: (item: { leadId: string; rulesetVersion: string; qualification: number }) =>
      api.call(claimInboxLead, { params: { leadId: item.leadId }, body: { rulesetVersion: item.rulesetVersion, qualification: item.qualification, ...(isRep ? {} : { repId }) } }),
    onSettled: () => refetchAfterChange(queryClient, { queryKey: ['team-inbox'] }),
  });

  function chooseTeam(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setTeam(String(form.get('team') ?? '').trim());
    setRepId(String(form.get('rep') ?? '').trim());
    setCursors([]);
  }

  return (
    <section aria-labelledby="inbox-title">
      <h1 id="inbox-title">{inbox.data ? text('inbox.titleOf', { team: inbox.data.team.name }) : text('inbox.title')}</h1>
      <p className="help">{text('inbox.help')}</p>
      {!isRep && routing.read && routing.teams.length === 0 && <p>{text('inbox.noTeams')}</p>}
      {!isRep && (
        <form className="filters" onSubmit={chooseTeam}>
          {routing.byName ? (
            <>
              <label>
                {text('inbox.teamByName')}
                <select name="team" value={chosenTeam} onChange={(event) => setChosenTeam(event.target.value)} required>
                  <option value="">{text('inbox.chooseTeam')}</option>
                  {routing.teams.map((one) => (
                    <option key={one.id} value={one.id}>
                      {one.name}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                {text('inbox.repByName')}
                {/* A new team's list of reps starts unchosen. */}
                <select name="rep" defaultValue={repId} key={chosenTeam}>
                  <option value="">{text('inbox.chooseRep')}</option>
                  {(routing.teams.find((one) => one.id === chosenTeam)?.reps ?? []).map((rep) => (
                    <option key={rep.id} value={rep.id}>
                      {rep.name}
                    </option>
                  ))}
                </select>
              </label>
            </>
          ) : (
            <>
              <label>
                {text('inbox.team')}
                <input name="team" defaultValue={team} required />
              </label>
              <label>
                {text('inbox.rep')}
                <input name="rep" defaultValue={repId} />
              </label>
            </>
          )}
          <button type="submit" className="primary">
            {text('inbox.show')}
          </button>
        </form>
      )}
      {claim.isError && <ErrorNotice error={claim.error} />}
      {claim.isSuccess && (
        <p role="status">
          {text('inbox.claimed')} <Link to={`/leads/${claim.data.leadId}`}>{text('inbox.open')}</Link>
        </p>
      )}
      {!isRep && team === '' ? null : inbox.isPending ? (
        <Loading />
      ) : inbox.isError ? (
        <ErrorNotice error={inbox.error} onRetry={() => inbox.refetch()} />
      ) : (
        <>
          <div className="table-scroll">
            <table aria-label={text('inbox.results')} aria-busy={inbox.isFetching}>
              <thead>
                <tr>
                  <th scope="col">{text('leads.email')}</th>
                  <th scope="col">{text('leads.company')}</th>
                  <th scope="col">{text('leads.grade')}</th>
                  <th scope="col" className="number">
                    {text('leads.score')}
                  </th>
                  <th scope="col">{text('inbox.waitingSince')}</th>
                  <th scope="col">{text('inbox.action')}</th>
                </tr>
              </thead>
              <tbody>
                {inbox.data.items.map((item) => (
                  <tr key={`${item.leadId}-${item.rulesetVersion}-${item.qualification}`}>
                    <td>{isRep ? item.lead.email : <Link to={`/leads/${item.leadId}`}>{item.lead.email}</Link>}</td>
                    <td>{item.lead.company}</td>
                    <td>{item.lead.score?.grade}</td>
                    <td className="number">{item.lead.score ? Math.round(item.lead.score.total) : ''}</td>
                    <td>{formatDate(item.waitingSince)}</td>
                    <td>
                      <button type="button" className="primary" disabled={claim.isPending || (!isRep && repId === '')} onClick={() => claim.mutate(item)}>
                        {text('inbox.claim')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {inbox.data.items.length === 0 && <p>{text('inbox.empty')}</p>}
          <div className="pager">
            <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
              {text('leads.previous')}
            </button>
            <button type="button" disabled={!inbox.data.nextCursor} onClick={() => inbox.data.nextCursor && setCursors([...cursors, inbox.data.nextCursor])}>
              {text('leads.next')}
            </button>
          </div>
        </>
      )}
    </section>
  );
}
