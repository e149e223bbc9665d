import { useParams } from 'react-router';
import { improvement, unwrap } from '../../api/client';
import { BackLink, Failure, Heading, Loading, Table, Tag } from '../../components/nhs';
import { useData, useTitle } from '../../components/useData';
import { ukDate, words } from '../../format';
import { useImprovementTeam } from './ProjectPage';

const OUTCOME_COLOURS: Record<string, string> = {
  not_tested: 'grey', planned: 'blue', testing: 'yellow', adopted: 'green', adapted: 'aqua-green', abandoned: 'red',
};

/** The team's change ideas and the PDSA cycles that test them, ramp by ramp. */
export function CyclesPage() {
  const { teamId = '' } = useParams();
  const team = useImprovementTeam(teamId);
  const ideas = useData(async () => {
    const found = unwrap(await improvement.GET('/api/improvement/teams/{team_id}/change-ideas', { params: { path: { team_id: teamId } } }));
    return Promise.all(found.map(async (idea) => unwrap(await improvement.GET('/api/improvement/change-ideas/{change_idea_id}', { params: { path: { change_idea_id: idea.id } } }))));
  }, [teamId]);
  useTitle('PDSA cycles');
  if (team.error !== undefined) return <Failure error={team.error} />;
  if (!team.data) return <Loading what="the team" />;
  return (
    <>
      <BackLink to={`/teams/${teamId}`}>{team.data.name}</BackLink>
      <Heading caption={team.data.name}>Change ideas and PDSA cycles</Heading>
      <p className="nhsuk-body">Each change idea is tested in Plan, Do, Study, Act cycles: small tests first, then bigger ones, until the team adopts, adapts or abandons it.</p>
      {ideas.error !== undefined && <Failure error={ideas.error} />}
      {!ideas.data && ideas.error === undefined && <Loading what="change ideas" />}
      {ideas.data && !ideas.data.length && <p className="nhsuk-body">The team has no change ideas on its driver diagram yet.</p>}
      {ideas.data?.map((idea) => (
        <section key={idea.id} aria-labelledby={`idea-${idea.id}`}>
          <h2 className="nhsuk-heading-m" id={`idea-${idea.id}`}>{idea.name}</h2>
          <p className="nhsuk-body">
            Driver: {idea.driver_name}. <Tag colour={OUTCOME_COLOURS[idea.outcome]}>{words(idea.outcome)}</Tag>
          </p>
          <Table
            caption={`PDSA cycles of ${idea.name}`}
            head={['Cycle', 'Stage', 'Plan', 'Measures', 'Decision']}
            empty="No cycle planned yet."
            rows={idea.ramp.map((c) => [
              String(c.ramp_step),
              words(c.status === 'doing' ? 'testing' : c.status),
              `${c.plan.objective}. Prediction: ${c.plan.prediction}`,
              c.plan.measure_keys.map(words).join(', ') || 'None',
              c.act ? `${words(c.act.decision)} on ${ukDate(c.act.completed_on)}` : '',
            ])}
          />
        </section>
      ))}
    </>
  );
}
