import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { enrolment, unwrap, type Problem } from '../../api/client';
import type { Coach, CohortDetail, Team } from '../../api/types';
import { BackLink, Button, ErrorSummary, Failure, Field, Heading, Loading, SummaryList, Table, Tag, Warning, asProblem } from '../../components/nhs';
import { useData, useTitle } from '../../components/useData';
import { NATIONS, SETTINGS, ukDateTime, words } from '../../format';
import { STATUS_COLOURS } from './CohortList';

const LIVE_SECONDS = 10;

function Viability({ cohort }: { cohort: CohortDetail }) {
  const v = cohort.viability;
  if (!v) return null; // only coordinators are shown a cohort's viability
  const tallies = (entries: [string, { submitted: number; accepted: number }][], names: Record<string, string>) =>
    entries.map(([key, tally]) => [names[key] ?? words(key), tally.submitted, tally.accepted]);
  return (
    <section aria-labelledby="viability">
      <h2 className="nhsuk-heading-m" id="viability">Viability</h2>
      <div className="nhsuk-card">
        <div className="nhsuk-card__content" aria-live="polite">
          <p className="nhsuk-heading-l nhsuk-u-margin-bottom-2" data-testid="viability-count">
            {v.accepted} of {v.minimum_teams} teams accepted
          </p>
          <meter className="ewc-meter" min={0} max={v.minimum_teams} value={v.accepted} aria-label="Teams accepted against the minimum">
            {v.accepted} of {v.minimum_teams}
          </meter>
          <p className="nhsuk-body nhsuk-u-margin-top-3" data-testid="viability-shortfall">
            {v.viable ? <Tag colour="green">Viable</Tag> : <>Short by <strong>{v.shortfall}</strong> {v.shortfall === 1 ? 'team' : 'teams'}</>}
          </p>
          <p className="nhsuk-body-s">
            {v.submitted} expressions of interest live, {v.declined} declined, {v.withdrawn} withdrawn.{' '}
            {v.deadline_passed ? 'The deadline has passed.' : `${v.days_to_deadline} days to the deadline.`}
          </p>
        </div>
      </div>
      <div className="nhsuk-grid-row">
        <div className="nhsuk-grid-column-one-half">
          <Table caption="By nation" head={['Nation', 'Applied', 'Accepted']} rows={tallies(Object.entries(v.by_nation), NATIONS)} empty="No expressions of interest yet." />
        </div>
        <div className="nhsuk-grid-column-one-half">
          <Table caption="By setting" head={['Setting', 'Applied', 'Accepted']} rows={tallies(Object.entries(v.by_setting), SETTINGS)} empty="No expressions of interest yet." />
        </div>
      </div>
    </section>
  );
}

function Decision({ cohort, onDone }: { cohort: CohortDetail; onDone: (problem: Problem | null) => void }) {
  const [override, setOverride] = useState('');
  const viability = cohort.viability;
  if (!viability) return null;
  const v = viability;
  const decided = cohort.status === 'confirmed' || cohort.status === 'cancelled';
  if (decided) {
    return (
      <section aria-labelledby="decision">
        <h2 className="nhsuk-heading-m" id="decision">Decision</h2>
        <p className="nhsuk-body">
          {cohort.status === 'confirmed' ? 'The cohort is going ahead.' : 'The cohort is not going ahead.'}
          {cohort.decided_at ? ` Decided at ${ukDateTime(cohort.decided_at)}.` : ''}
        </p>
      </section>
    );
  }
  async function decide(decision: 'go' | 'no_go') {
    try {
      if (cohort.status === 'open' && !v.deadline_passed) {
        unwrap(await enrolment.POST('/api/enrolment/cohorts/{cohort_id}/close', { params: { path: { cohort_id: cohort.id } } }));
      }
      unwrap(
        await enrolment.POST('/api/enrolment/cohorts/{cohort_id}/decision', {
          params: { path: { cohort_id: cohort.id } },
          body: { decision, override_reason: decision === 'go' && !v.viable ? override || null : null },
        }),
      );
      onDone(null);
    } catch (error) {
      onDone(asProblem(error));
    }
  }
  return (
    <section aria-labelledby="decision">
      <h2 className="nhsuk-heading-m" id="decision">Go or no-go</h2>
      {cohort.status === 'open' && !v.deadline_passed && (
        <p className="nhsuk-body">Deciding now closes the cohort to expressions of interest before its deadline.</p>
      )}
      {!v.viable && (
        <Warning heading="Fewer teams than the minimum">
          <p>To go ahead anyway, say why. The reason is recorded with the decision.</p>
          <Field id="override_reason" label="Reason to go ahead with fewer teams">
            {(p) => <textarea {...p} className="nhsuk-textarea" rows={2} value={override} onChange={(e) => setOverride(e.target.value)} />}
          </Field>
        </Warning>
      )}
      <div className="nhsuk-button-group">
        <Button onClick={() => void decide('go')}>Go ahead with accepted teams</Button>
        <Button warning onClick={() => void decide('no_go')}>Do not go ahead</Button>
      </div>
    </section>
  );
}

function CoachPicker({ team, coaches, onDone }: { team: Team; coaches: Coach[]; onDone: (problem: Problem | null) => void }) {
  const [choice, setChoice] = useState(team.coach_id ?? '');
  async function assign() {
    try {
      unwrap(await enrolment.PUT('/api/enrolment/teams/{team_id}/coach', { params: { path: { team_id: team.id } }, body: { coach_id: choice } }));
      onDone(null);
    } catch (error) {
      onDone(asProblem(error));
    }
  }
  return (
    <div className="ewc-inline-form">
      <div className="nhsuk-form-group">
        <label className="nhsuk-label nhsuk-u-visually-hidden" htmlFor={`coach-${team.id}`}>Coach for {team.team_name}</label>
        <select className="nhsuk-select" id={`coach-${team.id}`} value={choice} onChange={(e) => setChoice(e.target.value)}>
          <option value="">No coach</option>
          {coaches.map((c) => (
            <option key={c.id} value={c.id}>{c.name} ({c.free} free)</option>
          ))}
        </select>
      </div>
      <Button small secondary disabled={!choice || choice === team.coach_id} onClick={() => void assign()}>
        Allocate<span className="nhsuk-u-visually-hidden"> coach to {team.team_name}</span>
      </Button>
    </div>
  );
}

export function CohortPage() {
  const { cohortId = '' } = useParams();
  const cohort = useData(async () => unwrap(await enrolment.GET('/api/enrolment/cohorts/{cohort_id}', { params: { path: { cohort_id: cohortId } } })), [cohortId]);
  const teams = useData(async () => unwrap(await enrolment.GET('/api/enrolment/teams', { params: { query: { cohort_id: cohortId, limit: 200 } } })), [cohortId]);
  const coaches = useData(async () => unwrap(await enrolment.GET('/api/enrolment/coaches')), []);
  const [problem, setProblem] = useState<Problem | null>(null);
  useTitle(cohort.data?.name ?? 'Cohort');

  // Viability is live: read again every few seconds while the page is open.
  useEffect(() => {
    const timer = window.setInterval(() => {
      cohort.reload();
      teams.reload();
    }, LIVE_SECONDS * 1000);
    return () => window.clearInterval(timer);
  }, [cohortId]);

  function after(result: Problem | null) {
    setProblem(result);
    cohort.reload();
    teams.reload();
    coaches.reload();
  }

  async function act(team: Team, action: 'accept' | 'decline') {
    try {
      const path = { params: { path: { team_id: team.id } } };
      unwrap(action === 'accept' ? await enrolment.POST('/api/enrolment/teams/{team_id}/accept', path) : await enrolment.POST('/api/enrolment/teams/{team_id}/decline', { ...path, body: {} }));
      after(null);
    } catch (error) {
      after(asProblem(error));
    }
  }

  async function verify(team: Team) {
    try {
      unwrap(await enrolment.POST('/api/enrolment/organisations/{organisation_id}/verify', { params: { path: { organisation_id: team.organisation_id } } }));
      after(null);
    } catch (error) {
      after(asProblem(error));
    }
  }

  if (cohort.error !== undefined) return <Failure error={cohort.error} />;
  if (!cohort.data) return <Loading what="the cohort" />;
  const c = cohort.data;
  const items = teams.data?.items ?? [];
  const undecided = c.status === 'open' || c.status === 'closed';
  return (
    <>
      <BackLink to="/cohorts">Cohorts</BackLink>
      <ErrorSummary problem={problem} />
      <Heading caption="Cohort">{c.name}</Heading>
      <SummaryList
        rows={[
          ['Status', <Tag colour={STATUS_COLOURS[c.status]} key="s">{words(c.status)}</Tag>],
          ['Expressions of interest by', ukDateTime(c.eoi_deadline_uk)],
          ['Programme', <Link key="p" to={`/cohorts/${c.id}/programme`}>Learning sessions and sets</Link>],
          ['Improvement', <Link key="k" to={`/cohorts/${c.id}/package`}>Change package</Link>],
          ['Results', <Link key="r" to={`/cohorts/${c.id}/report`}>Collaborative report</Link>],
        ]}
      />
      <Viability cohort={c} />
      <Decision cohort={c} onDone={after} />
      <Table
        caption="Teams"
        head={['Team', 'Organisation', 'Setting', 'Status', undecided ? 'Decide' : 'Coach']}
        empty="No team has applied yet."
        rows={items.map((team) => [
          <Link key={team.id} to={`/teams/${team.id}`}>{team.team_name}</Link>,
          team.organisation_verified ? (
            team.organisation_name
          ) : (
            <span key="o">
              {team.organisation_name} <Tag colour="yellow">New: not checked</Tag>{' '}
              <Button small secondary onClick={() => void verify(team)}>Verify<span className="nhsuk-u-visually-hidden"> {team.organisation_name}</span></Button>
            </span>
          ),
          SETTINGS[team.setting],
          <Tag colour={STATUS_COLOURS[team.status]} key="s">{words(team.status)}</Tag>,
          undecided ? (
            team.status === 'submitted' || team.status === 'accepted' || team.status === 'declined' ? (
              <div className="nhsuk-button-group" key="d">
                {team.status !== 'accepted' && <Button small onClick={() => void act(team, 'accept')}>Accept<span className="nhsuk-u-visually-hidden"> {team.team_name}</span></Button>}
                {team.status !== 'declined' && <Button small secondary onClick={() => void act(team, 'decline')}>Decline<span className="nhsuk-u-visually-hidden"> {team.team_name}</span></Button>}
              </div>
            ) : null
          ) : team.status === 'confirmed' ? (
            <CoachPicker key="c" team={team} coaches={coaches.data ?? []} onDone={after} />
          ) : null,
        ])}
      />
    </>
  );
}
