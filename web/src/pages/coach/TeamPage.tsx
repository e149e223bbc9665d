import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { enrolment, measurement, sessions, unwrap, type Problem } from '../../api/client';
import type { MeasureDefinition, TeamChart } from '../../api/types';
import { useAuth } from '../../auth/AuthProvider';
import { BackLink, Button, ErrorSummary, Failure, Heading, Loading, SummaryList, Table, Tag, asProblem } from '../../components/nhs';
import { useData, useTitle } from '../../components/useData';
import { SETTINGS, ukDateTime, words } from '../../format';
import { STATUS_COLOURS } from '../coordinator/CohortList';

export function SignalTags({ chart }: { chart: TeamChart['chart'] }) {
  const s = chart.summary;
  if (!s.improvement_signals && !s.concern_signals && !s.neutral_signals) return <Tag colour="grey">No signal</Tag>;
  return (
    <>
      {s.improvement_signals > 0 && <Tag colour="green">{s.improvement_signals} improvement</Tag>}{' '}
      {s.concern_signals > 0 && <Tag colour="red">{s.concern_signals} concern</Tag>}{' '}
      {s.neutral_signals > 0 && <Tag colour="blue">{s.neutral_signals} other</Tag>}
    </>
  );
}

function CalendarLink({ teamId }: { teamId: string }) {
  const [url, setUrl] = useState<string | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  async function make() {
    try {
      const made = unwrap(await sessions.POST('/api/sessions/feed-tokens', { body: { team_id: teamId, label: 'Console' } }));
      setUrl(new URL(made.url, window.location.origin).toString());
      setProblem(null);
    } catch (error) {
      setProblem(asProblem(error));
    }
  }
  return (
    <section aria-labelledby="calendar">
      <h2 className="nhsuk-heading-m" id="calendar">Calendar</h2>
      <ErrorSummary problem={problem} />
      <p className="nhsuk-body">Subscribe to the team's learning sessions and sets in Outlook or another calendar. The link is secret: share it only with the team.</p>
      {url ? (
        <div className="nhsuk-inset-text">
          <label className="nhsuk-label" htmlFor="calendar-url">Calendar subscription link</label>
          <input className="nhsuk-input" id="calendar-url" readOnly value={url} onFocus={(e) => e.target.select()} />
        </div>
      ) : (
        <Button secondary onClick={() => void make()}>Get a calendar link</Button>
      )}
    </section>
  );
}

export function TeamPage() {
  const { teamId = '' } = useParams();
  const { person } = useAuth();
  const team = useData(async () => unwrap(await enrolment.GET('/api/enrolment/teams/{team_id}', { params: { path: { team_id: teamId } } })), [teamId]);
  const cohortId = team.data?.cohort_id;
  const charts = useData(async () => {
    if (!cohortId) return null;
    const plan = unwrap(await measurement.GET('/api/measurement/cohorts/{cohort_id}/plan', { params: { path: { cohort_id: cohortId } } }));
    return Promise.all(
      plan.measures.map(async (measure: MeasureDefinition) => {
        const answer = await measurement.GET('/api/measurement/teams/{team_id}/charts/{measure_key}', {
          params: { path: { team_id: teamId, measure_key: measure.key } },
        });
        return { measure, chart: answer.data ?? null };
      }),
    );
  }, [teamId, cohortId]);
  const engagement = useData(async () => (await sessions.GET('/api/sessions/teams/{team_id}/engagement', { params: { path: { team_id: teamId } } })).data ?? null, [teamId]);
  useTitle(team.data?.team_name ?? 'Team');

  if (team.error !== undefined) return <Failure error={team.error} />;
  if (!team.data) return <Loading what="the team" />;
  const t = team.data;
  const back = person?.role === 'coach' ? '/my-teams' : person?.role === 'team_lead' ? '/our-teams' : `/cohorts/${t.cohort_id}`;
  return (
    <>
      <BackLink to={back}>Back</BackLink>
      <Heading caption={t.organisation_name}>{t.team_name}</Heading>
      <SummaryList
        rows={[
          ['Status', <Tag key="s" colour={STATUS_COLOURS[t.status]}>{words(t.status)}</Tag>],
          ['Setting', `${SETTINGS[t.setting]}: ${t.service_type}`],
          ['Project lead', `${t.project_lead.name}, ${t.project_lead.job_title}`],
          ['Senior sponsor', `${t.senior_sponsor.name}, ${t.senior_sponsor.job_title}`],
          ['QI coach', t.coach_name ?? 'Not allocated yet'],
          ['Project team', t.project_team.length ? t.project_team.map((m) => m.name ? `${m.name} (${m.role})` : m.role).join(', ') : 'None listed'],
          ['Engagement', engagement.data ? `${engagement.data.sessions_attended} of ${engagement.data.sessions_held} sessions attended${engagement.data.disengaged ? ' (stopped attending)' : ''}` : 'No sessions held yet'],
          ['Confirmed', t.confirmed_at ? ukDateTime(t.confirmed_at) : 'Not yet'],
        ]}
      />
      {t.status === 'confirmed' && (
        <nav aria-labelledby="project">
          <h2 className="nhsuk-heading-m" id="project">Improvement project</h2>
          <ul className="nhsuk-list">
            <li><Link to={`/teams/${t.id}/project`}>Project team and aim</Link></li>
            <li><Link to={`/teams/${t.id}/ideas`}>Ideas and votes</Link></li>
            <li><Link to={`/teams/${t.id}/cycles`}>Change ideas and PDSA cycles</Link></li>
            <li><Link to={`/teams/${t.id}/meetings`}>Project meetings</Link></li>
          </ul>
        </nav>
      )}
      <section aria-labelledby="charts">
        <h2 className="nhsuk-heading-m" id="charts">Charts</h2>
        {charts.error !== undefined && <Failure error={charts.error} />}
        {!charts.data && charts.error === undefined && <Loading what="charts" />}
        {charts.data && (
          <Table
            caption="Measures in the measurement plan"
            head={['Measure', 'Latest', 'Signals', '']}
            empty="The cohort has no measurement plan yet."
            rows={charts.data.map(({ measure, chart }) => [
              measure.name,
              chart?.chart.summary.latest_period ? `${chart.chart.summary.latest_value ?? ''} ${measure.unit} (${chart.chart.summary.latest_period})` : 'No data yet',
              chart ? <SignalTags key="s" chart={chart.chart} /> : '',
              <Link key="l" to={`/teams/${t.id}/charts/${encodeURIComponent(measure.key)}`}>See chart<span className="nhsuk-u-visually-hidden"> of {measure.name}</span></Link>,
            ])}
          />
        )}
        {(person?.role === 'team_lead' || person?.role === 'coordinator') && (
          <p className="nhsuk-body"><Link to={`/teams/${t.id}/upload`}>Upload data (CSV)</Link></p>
        )}
      </section>
      {(person?.role === 'team_lead' || person?.role === 'coach') && t.status === 'confirmed' && <CalendarLink teamId={t.id} />}
    </>
  );
}
