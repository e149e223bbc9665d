import { Link } from 'react-router';
import { enrolment, unwrap } from '../api/client';
import { Failure, Heading, Loading, Table, Tag } from '../components/nhs';
import { useData, useTitle } from '../components/useData';
import { ukDateTime, words } from '../format';
import { STATUS_COLOURS } from './coordinator/CohortList';

/** An applicant's own expressions of interest (the API shows an applicant only theirs). */
export function MyApplications() {
  useTitle('Your applications');
  const teams = useData(async () => unwrap(await enrolment.GET('/api/enrolment/teams', { params: { query: { limit: 200 } } })), []);
  if (teams.error !== undefined) return <Failure error={teams.error} />;
  if (!teams.data) return <Loading what="your applications" />;
  return (
    <>
      <Heading>Your applications</Heading>
      <p className="nhsuk-body">The expressions of interest you have sent. The programme team checks a new organisation before its teams can be accepted.</p>
      <Table
        caption="Expressions of interest you sent"
        head={['Team', 'Organisation', 'Status', 'Sent']}
        empty="You have not sent an expression of interest yet."
        rows={teams.data.items.map((team) => [
          team.team_name,
          <>{team.organisation_name}{!team.organisation_verified && <> <Tag colour="yellow">Being checked</Tag></>}</>,
          <Tag key="s" colour={STATUS_COLOURS[team.status]}>{words(team.status)}</Tag>,
          ukDateTime(team.submitted_at),
        ])}
      />
      <p className="nhsuk-body"><Link to="/apply">Apply for another team</Link></p>
    </>
  );
}
