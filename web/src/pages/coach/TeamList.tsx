import { Link } from 'react-router';
import { enrolment, sessions, unwrap } from '../../api/client';
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
    return page.items.map((team, i) => ({ team, engagement: engagement[i] }));
  }, []);
  if (teams.error !== undefined) return <Failure error={teams.error} />;
  if (!teams.data) return <Loading what="teams" />;
  return (
    <>
      <Heading>{title}</Heading>
      <Table
        caption={isCoach ? 'Teams you coach' : "Your organisation's teams"}
        head={['Team', 'Organisation', 'Setting', 'Status', 'Attendance', 'Engagement']}
        empty={isCoach ? 'No team has been allocated to you yet.' : 'Your organisation has no teams yet.'}
        rows={teams.data.map(({ team, engagement }) => [
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
