import { useState, type FormEvent } from 'react';
import { useParams } from 'react-router';
import { improvement, unwrap } from '../../api/client';
import type { Round } from '../../api/types';
import { useAuth } from '../../auth/AuthProvider';
import { BackLink, Button, ErrorSummary, Failure, Field, Heading, Loading, Table, Tag, fieldId } from '../../components/nhs';
import { useData, useTitle } from '../../components/useData';
import { ukDate, words } from '../../format';
import { Done, useImprovementTeam, useSubmit } from './ProjectPage';

const KINDS: Record<string, string> = { what_matters: 'What matters to staff', impediment: 'A pebble in the shoe' };

/** One voting round: its candidates, a ballot form while open, the ranked results once closed. */
function RoundPanel({ round, onChange, canClose }: { round: Round; onChange: () => void; canClose: boolean }) {
  const ballot = useSubmit();
  async function vote(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const target = event.currentTarget;
    const form = new FormData(target);
    const body = { code: String(form.get('code') ?? '').trim(), votes: form.getAll('votes').map(String) };
    if (await ballot.submit(async () => unwrap(await improvement.POST('/api/improvement/voting-rounds/{round_id}/ballots', { params: { path: { round_id: round.id } }, body })), 'Your vote is counted.', target)) onChange();
  }
  async function close() {
    if (await ballot.submit(async () => unwrap(await improvement.POST('/api/improvement/voting-rounds/{round_id}/close', { params: { path: { round_id: round.id } } })), 'The vote is closed.')) onChange();
  }
  const open = !round.closed_on;
  return (
    <div className="nhsuk-card">
      <div className="nhsuk-card__content">
        <h3 className="nhsuk-card__heading nhsuk-heading-s">{round.title}</h3>
        <p className="nhsuk-body">
          Opened {ukDate(round.opened_on)}. {round.ballots_cast} of {round.ballots_issued} ballots cast.{' '}
          {open ? <Tag colour="blue">Open</Tag> : <Tag colour="grey">{`Closed ${ukDate(round.closed_on)}`}</Tag>}
        </p>
        <ErrorSummary problem={ballot.problem} labels={{ code: 'Ballot code', votes: 'Votes' }} />
        <Done message={ballot.done} />
        {round.results ? (
          <Table
            caption={`Results of ${round.title}`}
            head={['Rank', 'Idea', 'Votes']}
            rows={round.results.map((r) => [String(r.rank ?? ''), r.text, String(r.votes ?? 0)])}
          />
        ) : (
          <form onSubmit={(e) => void vote(e)} noValidate>
            <Field id={`code-${round.id}`} label="Ballot code" hint={`Each voter has one code. Choose up to ${round.votes_per_ballot} ideas.`}>
              {(p) => <input {...p} className={`nhsuk-input nhsuk-input--width-10 ${p.className}`} name="code" autoComplete="off" spellCheck={false} />}
            </Field>
            <div className="nhsuk-form-group">
              <fieldset className="nhsuk-fieldset" id={fieldId('votes')}>
                <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Ideas to vote for in {round.title}</legend>
                <div className="nhsuk-checkboxes">
                  {round.candidates.map((c) => (
                    <div className="nhsuk-checkboxes__item" key={c.idea_id}>
                      <input className="nhsuk-checkboxes__input" id={`vote-${round.id}-${c.idea_id}`} name="votes" type="checkbox" value={c.idea_id} />
                      <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor={`vote-${round.id}-${c.idea_id}`}>{c.text}</label>
                    </div>
                  ))}
                </div>
              </fieldset>
            </div>
            <div className="nhsuk-button-group">
              <Button type="submit">Cast vote</Button>{' '}
              {canClose && <Button secondary onClick={() => void close()}>Close the vote and see the results</Button>}
            </div>
          </form>
        )}
      </div>
    </div>
  );
}

/** What matters to staff and the pebbles in the shoe, and the anonymous votes that rank them. */
export function IdeasPage() {
  const { teamId = '' } = useParams();
  const { person } = useAuth();
  const path = { params: { path: { team_id: teamId } } };
  const team = useImprovementTeam(teamId);
  const ideas = useData(async () => unwrap(await improvement.GET('/api/improvement/teams/{team_id}/ideas', path)), [teamId]);
  const rounds = useData(async () => {
    const summaries = unwrap(await improvement.GET('/api/improvement/teams/{team_id}/voting-rounds', path));
    return Promise.all(summaries.map(async (s) => unwrap(await improvement.GET('/api/improvement/voting-rounds/{round_id}', { params: { path: { round_id: s.id } } }))));
  }, [teamId]);
  const ideaForm = useSubmit();
  const roundForm = useSubmit();
  const [codes, setCodes] = useState<string[] | null>(null);
  const [kind, setKind] = useState('what_matters');
  useTitle('Ideas and votes');
  const isLead = person?.role === 'team_lead';

  async function addIdea(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const target = event.currentTarget;
    const text = String(new FormData(target).get('text') ?? '').trim();
    const body = { kind: kind as 'what_matters' | 'impediment', text };
    if (await ideaForm.submit(async () => unwrap(await improvement.POST('/api/improvement/teams/{team_id}/ideas', { ...path, body })), 'The idea is added.', target)) ideas.reload();
  }

  async function openRound(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const target = event.currentTarget;
    const form = new FormData(target);
    const number = (name: string) => Number(String(form.get(name) ?? '').trim());
    const body = { title: String(form.get('title') ?? '').trim(), ballots: number('ballots'), votes_per_ballot: number('votes_per_ballot') || 3 };
    let opened: string[] = [];
    if (await roundForm.submit(async () => { opened = unwrap(await improvement.POST('/api/improvement/teams/{team_id}/voting-rounds', { ...path, body })).ballot_codes; }, 'The vote is open.', target)) {
      setCodes(opened);
      rounds.reload();
    }
  }

  if (team.error !== undefined) return <Failure error={team.error} />;
  if (!team.data) return <Loading what="the team" />;
  return (
    <>
      <BackLink to={`/teams/${teamId}`}>{team.data.name}</BackLink>
      <ErrorSummary problem={ideaForm.problem ?? roundForm.problem} labels={{ text: 'Idea', title: 'Title of the vote', ballots: 'Number of voters', votes_per_ballot: 'Votes each' }} />
      <Heading caption={team.data.name}>Ideas and votes</Heading>
      <p className="nhsuk-body">What matters to the team's staff, and the pebbles in the shoe that get in the way. The team votes anonymously, with one-time ballot codes, on what to work on first.</p>
      {ideas.error !== undefined && <Failure error={ideas.error} />}
      {ideas.data && (
        <Table
          caption="The team's ideas"
          head={['Idea', 'Kind', 'Gathered', 'Status']}
          empty="No ideas gathered yet."
          rows={ideas.data.map((i) => [i.text, KINDS[i.kind] ?? words(i.kind), ukDate(i.gathered_on), words(i.status)])}
        />
      )}
      <Done message={ideaForm.done} />
      {isLead && (
        <form onSubmit={(e) => void addIdea(e)} noValidate>
          <h2 className="nhsuk-heading-s">Add an idea</h2>
          <div className="nhsuk-form-group">
            <fieldset className="nhsuk-fieldset">
              <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">What kind of idea is it?</legend>
              <div className="nhsuk-radios nhsuk-radios--inline">
                {Object.entries(KINDS).map(([value, text]) => (
                  <div className="nhsuk-radios__item" key={value}>
                    <input className="nhsuk-radios__input" id={`kind-${value}`} type="radio" name="kind" value={value} checked={kind === value} onChange={() => setKind(value)} />
                    <label className="nhsuk-label nhsuk-radios__label" htmlFor={`kind-${value}`}>{text}</label>
                  </div>
                ))}
              </div>
            </fieldset>
          </div>
          <Field id="text" label="The idea, in the staff's words" error={ideaForm.errors.text}>
            {(p) => <input {...p} className={`nhsuk-input ${p.className}`} name="text" />}
          </Field>
          <Button type="submit" secondary>Add the idea</Button>
        </form>
      )}
      <h2 className="nhsuk-heading-m">Votes</h2>
      {codes && (
        <div className="nhsuk-inset-text" data-testid="ballot-codes">
          <p>Hand out one ballot code to each voter. They are shown only now:</p>
          <ul className="nhsuk-list">{codes.map((c) => <li key={c}><code>{c}</code></li>)}</ul>
        </div>
      )}
      <Done message={roundForm.done} />
      {rounds.error !== undefined && <Failure error={rounds.error} />}
      {rounds.data && !rounds.data.length && <p className="nhsuk-body">No vote yet.</p>}
      {rounds.data?.map((r) => <RoundPanel key={r.id} round={r} onChange={rounds.reload} canClose={isLead} />)}
      {isLead && (
        <details className="nhsuk-details">
          <summary className="nhsuk-details__summary"><span className="nhsuk-details__summary-text">Open a vote</span></summary>
          <div className="nhsuk-details__text">
            <form onSubmit={(e) => void openRound(e)} noValidate>
              <Field id="title" label="Title of the vote" hint="For example, What should we work on first?" error={roundForm.errors.title}>
                {(p) => <input {...p} className={`nhsuk-input ${p.className}`} name="title" />}
              </Field>
              <Field id="ballots" label="Number of voters" error={roundForm.errors.ballots}>
                {(p) => <input {...p} className={`nhsuk-input nhsuk-input--width-4 ${p.className}`} name="ballots" inputMode="numeric" />}
              </Field>
              <Field id="votes_per_ballot" label="Votes each" hint="3 unless you choose otherwise" error={roundForm.errors.votes_per_ballot}>
                {(p) => <input {...p} className={`nhsuk-input nhsuk-input--width-4 ${p.className}`} name="votes_per_ballot" inputMode="numeric" />}
              </Field>
              <Button type="submit">Open the vote</Button>
            </form>
          </div>
        </details>
      )}
    </>
  );
}
