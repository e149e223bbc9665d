import { useState, type FormEvent } from 'react';
import { useParams } from 'react-router';
import { improvement, unwrap } from '../../api/client';
import type { Cycle } from '../../api/types';
import { useAuth } from '../../auth/AuthProvider';
import { BackLink, Button, ErrorSummary, Failure, Field, Heading, Loading, Table, Tag } from '../../components/nhs';
import { useData, useTitle } from '../../components/useData';
import { ukDate, words } from '../../format';
import { Done, useImprovementTeam, useSubmit } from './ProjectPage';

const OUTCOME_COLOURS: Record<string, string> = {
  not_tested: 'grey', planned: 'blue', testing: 'yellow', adopted: 'green', adapted: 'aqua-green', abandoned: 'red',
};
const DECISIONS = [
  ['adopt', 'Adopt: make it how we work'],
  ['adapt', 'Adapt: change it and test again'],
  ['abandon', 'Abandon: stop testing it'],
] as const;

type Submit = ReturnType<typeof useSubmit>;

/** The form for a cycle's next stage: start the test, say what happened, study it, act. */
function NextStage({ cycle, form, onChange }: { cycle: Cycle; form: Submit; onChange: () => void }) {
  const path = { params: { path: { cycle_id: cycle.id } } };
  const label = `cycle ${cycle.ramp_step} of ${cycle.change_idea_name}`;
  async function start() {
    if (await form.submit(async () => unwrap(await improvement.POST('/api/improvement/cycles/{cycle_id}/start', { ...path, body: {} })), `Testing started (${label}).`)) onChange();
  }
  async function finish(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const target = event.currentTarget;
    const data = new FormData(target);
    const text = (name: string) => String(data.get(name) ?? '').trim();
    const done = await form.submit(async () => {
      if (!cycle.do?.what_happened) unwrap(await improvement.PUT('/api/improvement/cycles/{cycle_id}/do', { ...path, body: { what_happened: text('what_happened') } }));
      if (!cycle.study) unwrap(await improvement.PUT('/api/improvement/cycles/{cycle_id}/study', { ...path, body: { results: text('results'), against_prediction: text('against_prediction') } }));
      unwrap(await improvement.POST('/api/improvement/cycles/{cycle_id}/act', { ...path, body: { decision: text('decision') as 'adopt' | 'adapt' | 'abandon', next_steps: text('next_steps') || null } }));
    }, `The test is finished (${label}).`, target);
    if (done) onChange();
  }
  if (cycle.status === 'planned') return <Button secondary onClick={() => void start()}>Start testing<span className="nhsuk-u-visually-hidden"> {label}</span></Button>;
  if (cycle.status !== 'doing') return null;
  return (
    <details className="nhsuk-details">
      <summary className="nhsuk-details__summary"><span className="nhsuk-details__summary-text">Finish the test: do, study, act<span className="nhsuk-u-visually-hidden"> ({label})</span></span></summary>
      <div className="nhsuk-details__text">
        <form onSubmit={(e) => void finish(e)} noValidate>
          {!cycle.do?.what_happened && (
            <Field id="what_happened" label="Do: what happened" error={form.errors.what_happened}>
              {(p) => <textarea {...p} className={`nhsuk-textarea ${p.className}`} name="what_happened" rows={2} />}
            </Field>
          )}
          {!cycle.study && (
            <>
              <Field id="results" label="Study: the results" error={form.errors.results}>
                {(p) => <textarea {...p} className={`nhsuk-textarea ${p.className}`} name="results" rows={2} />}
              </Field>
              <Field id="against_prediction" label="Study: how they compare with the prediction" hint={`The prediction was: ${cycle.plan.prediction}`} error={form.errors.against_prediction}>
                {(p) => <input {...p} className={`nhsuk-input ${p.className}`} name="against_prediction" />}
              </Field>
            </>
          )}
          <div className="nhsuk-form-group">
            <fieldset className="nhsuk-fieldset">
              <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Act: what the team decided</legend>
              <div className="nhsuk-radios">
                {DECISIONS.map(([value, text], i) => (
                  <div className="nhsuk-radios__item" key={value}>
                    <input className="nhsuk-radios__input" id={`decision-${cycle.id}-${value}`} name="decision" type="radio" value={value} defaultChecked={i === 0} />
                    <label className="nhsuk-label nhsuk-radios__label" htmlFor={`decision-${cycle.id}-${value}`}>{text}</label>
                  </div>
                ))}
              </div>
            </fieldset>
          </div>
          <Field id="next_steps" label="Next steps (optional)" error={form.errors.next_steps}>
            {(p) => <input {...p} className={`nhsuk-input ${p.className}`} name="next_steps" />}
          </Field>
          <Button type="submit">Finish the test</Button>
        </form>
      </div>
    </details>
  );
}

/** The team's change ideas (on its driver diagram) and the PDSA cycles that test them. */
export function CyclesPage() {
  const { teamId = '' } = useParams();
  const { person } = useAuth();
  const path = { params: { path: { team_id: teamId } } };
  const team = useImprovementTeam(teamId);
  const diagram = useData(async () => (await improvement.GET('/api/improvement/teams/{team_id}/diagram', path)).data ?? null, [teamId]);
  const ideas = useData(async () => {
    const found = unwrap(await improvement.GET('/api/improvement/teams/{team_id}/change-ideas', path));
    return Promise.all(found.map(async (idea) => unwrap(await improvement.GET('/api/improvement/change-ideas/{change_idea_id}', { params: { path: { change_idea_id: idea.id } } }))));
  }, [teamId]);
  const cohortId = team.data?.cohort_id;
  const measures = useData(async () => (cohortId ? unwrap(await improvement.GET('/api/improvement/cohorts/{cohort_id}/measures', { params: { path: { cohort_id: cohortId } } })) : []), [cohortId]);
  const form = useSubmit();
  const [planning, setPlanning] = useState<string | null>(null);
  useTitle('PDSA cycles');
  const canEdit = person?.role === 'team_lead' || person?.role === 'coach';
  const refresh = () => {
    diagram.reload();
    ideas.reload();
  };

  async function startDiagram() {
    if (await form.submit(async () => unwrap(await improvement.POST('/api/improvement/teams/{team_id}/diagram', path)), 'The driver diagram is started from the change package.')) refresh();
  }
  async function addIdea(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!diagram.data) return;
    const target = event.currentTarget;
    const data = new FormData(target);
    const body = { driver_id: String(data.get('driver_id') ?? ''), name: String(data.get('name') ?? '').trim() };
    if (await form.submit(async () => unwrap(await improvement.POST('/api/improvement/diagrams/{diagram_id}/change-ideas', { params: { path: { diagram_id: diagram.data!.id } }, body })), `${body.name} is on the driver diagram.`, target)) refresh();
  }
  async function plan(event: FormEvent<HTMLFormElement>, ideaId: string) {
    event.preventDefault();
    const target = event.currentTarget;
    const data = new FormData(target);
    const body = { objective: String(data.get('objective') ?? '').trim(), prediction: String(data.get('prediction') ?? '').trim(), measure_keys: data.getAll('measure_keys').map(String) };
    if (await form.submit(async () => unwrap(await improvement.POST('/api/improvement/change-ideas/{change_idea_id}/cycles', { params: { path: { change_idea_id: ideaId } }, body })), 'The cycle is planned.', target)) {
      setPlanning(null);
      refresh();
    }
  }

  if (team.error !== undefined) return <Failure error={team.error} />;
  if (!team.data) return <Loading what="the team" />;
  return (
    <>
      <BackLink to={`/teams/${teamId}`}>{team.data.name}</BackLink>
      <ErrorSummary problem={form.problem} labels={{ name: 'Change idea', objective: 'Objective', prediction: 'Prediction', what_happened: 'What happened', results: 'Results', against_prediction: 'Compared with the prediction' }} />
      <Heading caption={team.data.name}>Change ideas and PDSA cycles</Heading>
      <p className="nhsuk-body">Each change idea is tested in Plan, Do, Study, Act cycles: small tests first, then bigger ones, until the team adopts, adapts or abandons it. The measures a cycle names show it on their charts.</p>
      <Done message={form.done} />
      {diagram.data === null && canEdit && <Button onClick={() => void startDiagram()}>Start the driver diagram from the change package</Button>}
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
          {canEdit && idea.ramp.map((c) => <NextStage key={c.id} cycle={c} form={form} onChange={refresh} />)}
          {canEdit && !idea.ramp.some((c) => c.status !== 'completed') && idea.outcome !== 'adopted' && idea.outcome !== 'abandoned' && (
            planning === idea.id ? (
              <form onSubmit={(e) => void plan(e, idea.id)} noValidate>
                <h3 className="nhsuk-heading-s">Plan the next cycle of {idea.name}</h3>
                <Field id="objective" label="Objective" hint="What this test is for" error={form.errors.objective}>
                  {(p) => <input {...p} className={`nhsuk-input ${p.className}`} name="objective" />}
                </Field>
                <Field id="prediction" label="Prediction" hint="What you think will happen" error={form.errors.prediction}>
                  {(p) => <input {...p} className={`nhsuk-input ${p.className}`} name="prediction" />}
                </Field>
                <div className="nhsuk-form-group">
                  <fieldset className="nhsuk-fieldset">
                    <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Measures that will show the effect</legend>
                    <div className="nhsuk-checkboxes">
                      {(measures.data ?? []).map((m) => (
                        <div className="nhsuk-checkboxes__item" key={m.measure_key}>
                          <input className="nhsuk-checkboxes__input" id={`measure-${idea.id}-${m.measure_key}`} name="measure_keys" type="checkbox" value={m.measure_key} />
                          <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor={`measure-${idea.id}-${m.measure_key}`}>{m.name}</label>
                        </div>
                      ))}
                    </div>
                  </fieldset>
                </div>
                <Button type="submit">Plan the cycle</Button>
              </form>
            ) : (
              <Button secondary onClick={() => setPlanning(idea.id)}>Plan a cycle<span className="nhsuk-u-visually-hidden"> of {idea.name}</span></Button>
            )
          )}
        </section>
      ))}
      {diagram.data && canEdit && (
        <form onSubmit={(e) => void addIdea(e)} noValidate>
          <h2 className="nhsuk-heading-m">Add a change idea</h2>
          <Field id="driver_id" label="Primary driver it works on">
            {(p) => (
              <select {...p} className={`nhsuk-select ${p.className}`} name="driver_id">
                {diagram.data!.primary_drivers.map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
              </select>
            )}
          </Field>
          <Field id="name" label="Change idea" hint="For example, thank-you cards at handover" error={form.errors.name}>
            {(p) => <input {...p} className={`nhsuk-input ${p.className}`} name="name" />}
          </Field>
          <Button type="submit" secondary>Add the change idea</Button>
        </form>
      )}
    </>
  );
}
