import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { listLeads } from '../../../../functions/list-leads/routes';
import { listSegments } from '../../../../functions/manage-segments/routes';
import { LIFECYCLE_STAGES } from '../../../../src/domain/handoff/lifecycle';
import { GRADES } from '../../../../src/domain/scoring/ruleset';
import { useApi } from '../api';
import { useI18n } from '../i18n';
import { ErrorNotice, Loading } from '../notices';
import { useRepNames } from '../rep-names';
import type { Session } from '../session';

const FILTERS = ['q', 'stage', 'grade', 'owner', 'segment', 'sort'] as const;
const PAGE_SIZE = 50;

/** The lead list: filters and order in the address (so a search can be bookmarked), pages by cursor, server-side (sorted by score too). */
export default function LeadsPage({ session }: { readonly session: Session }) {
  const api = useApi();
  // Tracked segments (the ones the list can filter by) for those who may read segments.
  const segments = useQuery({
    queryKey: ['segments', 'tracked'],
    queryFn: async () => (await api.call(listSegments, { query: { limit: '200' } })).items.filter((segment) => segment.tracked === true),
    enabled: session.role !== 'sales',
    staleTime: 60_000,
  });
  const owners = useRepNames(session);
  const { text, label, formatDate } = useI18n();
  const [params, setParams] = useSearchParams();
  const filter = Object.fromEntries(FILTERS.flatMap((name) => (params.get(name) ? [[name, params.get(name) ?? '']] : [])));
  // The API sorts by score without a segment filter: choosing the order sets the segment aside.
  const [sort, setSort] = useState(filter.sort ?? '');
  useEffect(() => setSort(filter.sort ?? ''), [filter.sort]);
  // The cursors of the pages before this one, so "previous" needs no request to find its start.
  const cursors = params.getAll('after');
  const cursor = cursors.at(-1);
  // No lead at all, rather than none that matches: nothing is filtered and the first page is the last.
  const unfiltered = Object.keys(filter).every((name) => name === 'sort') && cursors.length === 0;
  const leads = useQuery({
    queryKey: ['leads', filter, cursor],
    queryFn: () => api.call(listLeads, { query: { ...filter, limit: String(PAGE_SIZE), ...(cursor ? { cursor } : {}) } }),
    placeholderData: keepPreviousData,
  });

  function search(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = new URLSearchParams();
    for (const name of FILTERS) {
      const value = String(form.get(name) ?? '').trim();
      if (value) next.set(name, value);
    }
    setParams(next);
  }
  const turn = (nextCursors: readonly string[]) => {
    const next = new URLSearchParams(params);
    next.delete('after');
    for (const value of nextCursors) next.append('after', value);
    setParams(next);
  };

  const items = leads.data?.items ?? [];
  const noLeadAtAll = unfiltered && items.length === 0 && !leads.data?.nextCursor;
  return (
    <section aria-labelledby="leads-title">
      <h1 id="leads-title">{text('leads.title')}</h1>
      <search>
      <form className="filters" onSubmit={search} key={params.toString()}>
        <label>
          {text('leads.search')}
          <input name="q" type="search" defaultValue={filter.q ?? ''} />
        </label>
        <label>
          {text('leads.stage')}
          <select name="stage" defaultValue={filter.stage ?? ''}>
            <option value="">{text('leads.any')}</option>
            {LIFECYCLE_STAGES.map((stage) => (
              <option key={stage} value={stage}>
                {label('stage', stage)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {text('leads.grade')}
          <select name="grade" defaultValue={filter.grade ?? ''}>
            <option value="">{text('leads.any')}</option>
            {GRADES.map((grade) => (
              <option key={grade} value={grade}>
                {grade}
              </option>
            ))}
          </select>
        </label>
        {owners.byName ? (
          <label>
            {text('leads.owner')}
            {/* The filter in the address is an option from the start, under the key its rep's option takes once the reps are read. */}
            <select name="owner" defaultValue={filter.owner ?? ''}>
              <option value="">{text('leads.any')}</option>
              {[...owners.reps, ...(filter.owner && !owners.reps.some((rep) => rep.id === filter.owner) ? [{ id: filter.owner, name: filter.owner }] : [])].map((rep) => (
                <option key={rep.id} value={rep.id}>
                  {rep.name}
                </option>
              ))}
            </select>
          </label>
        ) : (
          <label>
            {text('leads.ownerId')}
            <input name="owner" defaultValue={filter.owner ?? ''} />
          </label>
        )}
        <label>
          {text('leads.order')}
          <select name="sort" value={sort} onChange={(event) => setSort(event.target.value)}>
            <option value="">{text('leads.orderListing')}</option>
            <option value="score">{text('leads.orderScore')}</option>
          </select>
        </label>
        {segments.data && segments.data.length > 0 && (
          <label title={sort === 'score' ? text('leads.segmentNotSorted') : undefined}>
            {text('leads.segment')}
            <select name="segment" defaultValue={filter.segment ?? ''} disabled={sort === 'score'}>
              <option value="">{text('leads.any')}</option>
              {segments.data.map((segment) => (
                <option key={segment.id} value={segment.id}>
                  {segment.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <button type="submit" className="primary">
          {text('leads.find')}
        </button>
        <button
          type="button"
          onClick={() => {
            setSort('');
            setParams(new URLSearchParams());
          }}
        >
          {text('leads.clear')}
        </button>
      </form>
      </search>
      {leads.isPending ? (
        <Loading />
      ) : leads.isError ? (
        <ErrorNotice error={leads.error} onRetry={() => leads.refetch()} />
      ) : (
        <>
          {!noLeadAtAll && (
            <div className="table-scroll">
              <table aria-label={text('leads.results')} aria-busy={leads.isFetching}>
                <thead>
                  <tr>
                    <th scope="col">{text('leads.email')}</th>
                    <th scope="col">{text('leads.name')}</th>
                    <th scope="col">{text('leads.company')}</th>
                    <th scope="col">{text('leads.stage')}</th>
                    <th scope="col">{text('leads.grade')}</th>
                    <th scope="col" className="number">
                      {text('leads.score')}
                    </th>
                    <th scope="col">{text('leads.owner')}</th>
                    <th scope="col">{text('leads.created')}</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((lead) => (
                    <tr key={lead.id}>
                      <td>
                        <Link to={`/leads/${lead.id}`}>{lead.email}</Link>
                      </td>
                      <td>{[lead.firstName, lead.lastName].filter(Boolean).join(' ')}</td>
                      <td>{lead.company}</td>
                      <td>
                        <span className={`stage stage-${lead.stage}`}>{label('stage', lead.stage)}</span>
                      </td>
                      <td>{lead.score?.grade}</td>
                      <td className="number">{lead.score ? Math.round(lead.score.total) : ''}</td>
                      <td>{lead.owner ? owners.repName(lead.owner.repId) : ''}</td>
                      <td>{formatDate(lead.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {items.length === 0 &&
            (noLeadAtAll ? (
              <p>
                {session.role === 'sales' ? (
                  text('leads.noneOwned')
                ) : (
                  <>
                    {text('leads.noneYet')} <Link to="/forms">{text('nav.forms')}</Link>.
                  </>
                )}
              </p>
            ) : (
              <p>{text('leads.none')}</p>
            ))}
          {leads.data.approximate && <p className="help" role="status">{text('leads.approximate')}</p>}
          <p className="help">{text('leads.scanned', { count: leads.data.scanned })}</p>
          <div className="pager">
            <button type="button" disabled={cursors.length === 0} onClick={() => turn(cursors.slice(0, -1))}>
              {text('leads.previous')}
            </button>
            <button type="button" disabled={!leads.data.nextCursor} onClick={() => leads.data.nextCursor && turn([...cursors, leads.data.nextCursor])}>
              {text('leads.next')}
            </button>
          </div>
        </>
      )}
    </section>
  );
}
