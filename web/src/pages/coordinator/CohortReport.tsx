import { useState } from 'react';
import { useParams } from 'react-router';
import { download, enrolment, improvement, measurement, unwrap, type Problem } from '../../api/client';
import { BackLink, Button, ErrorSummary, Failure, Heading, Loading, SummaryList, Table, Tag, asProblem } from '../../components/nhs';
import { useData, useTitle } from '../../components/useData';
import { ukDate, ukDateTime, words } from '../../format';

function useCohort(cohortId: string) {
  return useData(async () => unwrap(await enrolment.GET('/api/enrolment/cohorts/{cohort_id}', { params: { path: { cohort_id: cohortId } } })), [cohortId]);
}

/** The collaborative's change package: the driver diagram every team's own starts from. */
export function ChangePackage() {
  const { cohortId = '' } = useParams();
  const cohort = useCohort(cohortId);
  const diagram = useData(async () => unwrap(await improvement.GET('/api/improvement/cohorts/{cohort_id}/package', { params: { path: { cohort_id: cohortId } } })), [cohortId]);
  const library = useData(async () => unwrap(await improvement.GET('/api/improvement/cohorts/{cohort_id}/library', { params: { path: { cohort_id: cohortId } } })), [cohortId]);
  useTitle('Change package');
  if (diagram.error !== undefined) return <Failure error={diagram.error} />;
  if (!diagram.data) return <Loading what="the change package" />;
  const d = diagram.data;
  return (
    <>
      <BackLink to={`/cohorts/${cohortId}`}>{cohort.data?.name ?? 'Cohort'}</BackLink>
      <Heading caption={cohort.data?.name}>Change package</Heading>
      <p className="nhsuk-body-l">{d.aim}</p>
      <p className="nhsuk-body">Version {d.version}, last changed {ukDateTime(d.updated_at)}. Each team's driver diagram starts from this one.</p>
      {d.primary_drivers.map((p) => (
        <section key={p.id} aria-labelledby={`driver-${p.id}`}>
          <h2 className="nhsuk-heading-m" id={`driver-${p.id}`}>{p.name}</h2>
          {p.description && <p className="nhsuk-body">{p.description}</p>}
          {p.secondary_drivers.length > 0 && (
            <ul className="nhsuk-list nhsuk-list--bullet">
              {p.secondary_drivers.map((s) => (
                <li key={s.id}>
                  {s.name}
                  {s.change_ideas.length > 0 && `: ${s.change_ideas.map((i) => i.name).join('; ')}`}
                </li>
              ))}
            </ul>
          )}
          {p.change_ideas.length > 0 && <p className="nhsuk-body">Change ideas: {p.change_ideas.map((i) => i.name).join('; ')}</p>}
        </section>
      ))}
      <h2 className="nhsuk-heading-m">What the cohort's teams have tested</h2>
      {library.data && (
        <Table
          caption="Change ideas tested by the cohort's teams"
          head={['Change idea', 'Driver', 'Teams testing', 'Teams adopting', 'PDSA cycles']}
          empty="No team has tested a change idea yet."
          rows={library.data.map((e) => [e.name, e.driver_name, String(e.teams_tested), String(e.teams_adopted), String(e.cycles)])}
        />
      )}
    </>
  );
}

const VARIATION: Record<string, string> = {
  improvement_high: 'Improving', improvement_low: 'Improving', concern_high: 'Getting worse', concern_low: 'Getting worse',
  common_cause: 'No change', neutral_high: 'Changed', neutral_low: 'Changed',
};

/** The collaborative's report: each measure across the cohort, which teams improved, and the
 * PDF for the programme board. */
export function CollaborativeReport() {
  const { cohortId = '' } = useParams();
  const cohort = useCohort(cohortId);
  const report = useData(async () => unwrap(await measurement.GET('/api/measurement/cohorts/{cohort_id}/report', { params: { path: { cohort_id: cohortId } } })), [cohortId]);
  const readiness = useData(async () => (await improvement.GET('/api/improvement/cohorts/{cohort_id}/readiness', { params: { path: { cohort_id: cohortId } } })).data ?? null, [cohortId]);
  const [problem, setProblem] = useState<Problem | null>(null);
  useTitle('Collaborative report');
  if (report.error !== undefined) return <Failure error={report.error} />;
  if (!report.data) return <Loading what="the report" />;
  const r = report.data;
  return (
    <>
      <BackLink to={`/cohorts/${cohortId}`}>{cohort.data?.name ?? 'Cohort'}</BackLink>
      <ErrorSummary problem={problem} />
      <Heading caption={r.cohort_name}>Collaborative report</Heading>
      <SummaryList
        rows={[
          ['Covers', `${ukDate(r.from)} to ${ukDate(r.to)}`],
          ['Teams', String(r.teams)],
          ['Improved on at least one measure', <strong key="i" data-testid="teams-improved">{r.teams_improved_on_at_least_one_measure}</strong>],
          ['Got worse on at least one measure', String(r.teams_deteriorated_on_at_least_one_measure)],
          ['Ready for coaching', readiness.data ? `${readiness.data.teams_ready} of ${readiness.data.teams} teams` : ''],
        ]}
      />
      <Button secondary onClick={() => download(`/api/measurement/cohorts/${cohortId}/report.pdf`, `${r.cohort_name} report.pdf`).catch((e: unknown) => setProblem(asProblem(e)))}>
        Download the report (PDF)
      </Button>
      {r.measures.map((m) => (
        <section key={m.measure_key} aria-labelledby={`measure-${m.measure_key}`}>
          <h2 className="nhsuk-heading-m" id={`measure-${m.measure_key}`}>{m.measure_name}</h2>
          <p className="nhsuk-body">
            {m.summary.teams_with_improvement} of {m.summary.teams} teams improving, {m.summary.teams_with_concern} getting worse, {m.summary.teams_with_too_little_data} with too little data yet.
          </p>
          <Table
            caption={`Teams on ${m.measure_name}`}
            head={['Team', 'Points', 'Latest', 'Verdict']}
            empty="No team has data yet."
            rows={m.teams.map((t) => [
              t.team_name,
              String(t.points),
              t.latest_period ? `${t.latest_value ?? ''} ${m.unit} (${t.latest_period})` : '',
              t.too_little_data ? <Tag key="v" colour="grey">Too little data</Tag> : t.improvement ? <Tag key="v" colour="green">Improving</Tag> : t.concern ? <Tag key="v" colour="red">Getting worse</Tag> : <Tag key="v" colour="blue">{t.variation ? VARIATION[t.variation] ?? words(t.variation) : 'No change'}</Tag>,
            ])}
          />
        </section>
      ))}
    </>
  );
}
