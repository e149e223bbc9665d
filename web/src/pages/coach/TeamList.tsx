import { Link } from 'react-router';
import { enrolment, improvement, measurement, sessions, unwrap } from '../../api/client';
import type { TeamChart } from '../../api/types';
import { useAuth } from '../../auth/AuthProvider';
import { Failure, Heading, Loading, Table, Tag } from '../../components/nhs';
import { useData, useTitle } from '../../components/useData';
import { SETTINGS, words } from '../../format';
import { STATUS_COLOURS } from '../coordinator/CohortList';

/** A coach's teams, or a project lead's organisation's teams, with their engagement. */
export function TeamList() {
  const { person } = useAuth();
  const isCoach = person?.role === 'coach';
  const title = isCoach ? 'My teams' : 'Our teams';
  useTitle(title);
  const teams = useData(async () => {
    const page = unwrap(await enrolment.GET('/api/enrolment/teams', { params: { query: { limit: 200 } } }));
    const engagement = await Promise.all(
      page.items.map(async (team) => {
        if (team.status !== 'confirmed' && team.status !== 'withdrawn') return null;
        const answer = await sessions.GET('/api/sessions/teams/{team_id}/engagement', { params: { path: { team_id: team.id } } });
        return answer.data ?? null;
      }),
    );
    // A coach also sees each team's readiness for coaching, its latest progress score and the
    // signals on its charts (the cohort's measurement plan).
    const plans = new Map<string, Promise<string[]>>();
    const planOf = (cohortId: string) => {
      if (!plans.has(cohortId)) {
        plans.set(cohortId, measurement.GET('/api/measurement/cohorts/{cohort_id}/plan', { params: { path: { cohort_id: cohortId } } }).then((a) => (a.data?.measures ?? []).map((m) => m.key)));
      }
      return plans.get(cohortId) as Promise<string[]>;
    };
    const extra = await Promise.all(
      page.items.map(async (team) => {
        if (!isCoach || team.status !== 'confirmed') return null;
        const path = { params: { path: { team_id: team.id } } };
        const [readiness, progress, charts] = await Promise.all([
          improvement.GET('/api/improvement/teams/{team_id}/readiness', path).then((a) => a.data ?? null),
          improvement.GET('/api/improvement/teams/{team_id}/progress-scores', path).then((a) => a.data ?? null),
          planOf(team.cohort_id).then((keys) =>
            Promise.all(keys.map((key) => measurement.GET('/api/measurement/teams/{team_id}/charts/{measure_key}', { params: { path: { team_id: team.id, measure_key: key } } }).then((a) => a.data ?? null))),
          ),
        ]);
        const scored = (progress?.months ?? []).filter((m) => m.score != null);
        return { readiness, score: scored.length ? scored[scored.length - 1] : null, charts: charts.filter((c): c is TeamChart => c !== null) };
      }),
    );
    return page.items.map((team, i) => ({ team, engagement: engagement[i], extra: extra[i] }));
  }, [isCoach]);
  if (teams.error !== undefined) return <Failure error={teams.error} />;
  if (!teams.data) return <Loading what="teams" />;
  return (
    <>
      <Heading>{title}</Heading>
      <Table
        caption={isCoach ? 'Teams you coach' : "Your organisation's teams"}
        head={isCoach ? ['Team', 'Organisation', 'Status', 'Readiness', 'Engagement', 'Latest signals', 'Progress score'] : ['Team', 'Organisation', 'Setting', 'Status', 'Attendance', 'Engagement']}
        empty={isCoach ? 'No team has been allocated to you yet.' : 'Your organisation has no teams yet.'}
        rows={teams.data.map(({ team, engagement, extra }) => isCoach ? [
          <Link to={`/teams/${team.id}`} key={team.id}>{team.team_name}</Link>,
          team.organisation_name,
          <Tag key="s" colour={STATUS_COLOURS[team.status]}>{words(team.status)}</Tag>,
          extra?.readiness ? (extra.readiness.ready ? <Tag key="r" colour="green">Ready</Tag> : `${extra.readiness.checks.filter((c) => c.met).length} of ${extra.readiness.checks.length} steps`) : '',
          engagement ? <span key="e">{`${engagement.sessions_attended} of ${engagement.sessions_held} sessions`} {engagement.disengaged ? <Tag colour="red">Stopped attending</Tag> : <Tag colour="green">Engaged</Tag>}</span> : 'Not started',
          extra?.charts.length ? <Signals key="g" charts={extra.charts} /> : 'No data yet',
          extra?.score ? `${extra.score.score} (${extra.score.month}${extra.score.label ? `: ${extra.score.label}` : ''})` : 'Not scored yet',
        ] : [
          <Link to={`/teams/${team.id}`} key={team.id}>{team.team_name}</Link>,
          team.organisation_name,
          SETTINGS[team.setting],
          <Tag key="s" colour={STATUS_COLOURS[team.status]}>{words(team.status)}</Tag>,
          engagement ? `${engagement.sessions_attended} of ${engagement.sessions_held} sessions` : 'Not started',
          engagement ? (engagement.disengaged ? <Tag key="e" colour="red">Stopped attending</Tag> : <Tag key="e" colour="green">Engaged</Tag>) : '',
        ])}
      />
    </>
  );
}

/** The signals across a team's charts, measure by measure. */
function Signals({ charts }: { charts: TeamChart[] }) {
  const flagged = charts.filter((c) => c.chart.summary.improvement_signals || c.chart.summary.concern_signals);
  if (!flagged.length) return <Tag colour="grey">No signal</Tag>;
  return (
    <ul className="nhsuk-list nhsuk-u-margin-bottom-0">
      {flagged.map((c) => (
        <li key={c.measure_key}>
          {c.measure_name}: {c.chart.summary.improvement_signals > 0 && <Tag colour="green">{`${c.chart.summary.improvement_signals} improvement`}</Tag>}{' '}
          {c.chart.summary.concern_signals > 0 && <Tag colour="red">{`${c.chart.summary.concern_signals} concern`}</Tag>}
        </li>
      ))}
    </ul>
  );
}
