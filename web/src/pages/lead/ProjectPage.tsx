import { useState, type FormEvent } from 'react';
import { useParams } from 'react-router';
import { improvement, unwrap, type Problem } from '../../api/client';
import { useAuth } from '../../auth/AuthProvider';
import { BackLink, Button, ErrorSummary, Failure, Field, Heading, Loading, SummaryList, Table, Tag, asProblem, fieldErrors } from '../../components/nhs';
import { useData, useTitle } from '../../components/useData';
import { ukDate, words } from '../../format';

/** Send a form's answer to the API; the problem (with each field's message) when refused. */
export function useSubmit() {
  const [problem, setProblem] = useState<Problem | null>(null);
  const [done, setDone] = useState<string | null>(null);
  async function submit(action: () => Promise<unknown>, message: string, form?: HTMLFormElement): Promise<boolean> {
    try {
      await action();
      setProblem(null);
      setDone(message);
      form?.reset();
      return true;
    } catch (error) {
      setDone(null);
      setProblem(asProblem(error));
      return false;
    }
  }
  return { problem, done, submit, errors: fieldErrors(problem) };
}

export function Done({ message }: { message: string | null }) {
  return message ? <p className="nhsuk-body" role="status"><Tag colour="green">Saved</Tag> {message}</p> : null;
}

export function useImprovementTeam(teamId: string) {
  return useData(async () => unwrap(await improvement.GET('/api/improvement/teams/{team_id}', { params: { path: { team_id: teamId } } })), [teamId]);
}

/** The improvement project's people and aim: readiness for coaching, the project team, the
 * aim statement (the coach agrees it). */
export function ProjectPage() {
  const { teamId = '' } = useParams();
  const { person } = useAuth();
  const path = { params: { path: { team_id: teamId } } };
  const team = useImprovementTeam(teamId);
  const readiness = useData(async () => (await improvement.GET('/api/improvement/teams/{team_id}/readiness', path)).data ?? null, [teamId]);
  const members = useData(async () => unwrap(await improvement.GET('/api/improvement/teams/{team_id}/members', path)), [teamId]);
  const aim = useData(async () => (await improvement.GET('/api/improvement/teams/{team_id}/aim', path)).data ?? null, [teamId]);
  const progress = useData(async () => (await improvement.GET('/api/improvement/teams/{team_id}/progress-scores', path)).data ?? null, [teamId]);
  const levels = useData(async () => unwrap(await improvement.GET('/api/improvement/progress-score-levels')), []);
  const scoreForm = useSubmit();
  const memberForm = useSubmit();
  const aimForm = useSubmit();
  useTitle('Project team and aim');
  const isLead = person?.role === 'team_lead';
  const isCoach = person?.role === 'coach';

  async function addMember(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const target = event.currentTarget;
    const form = new FormData(target);
    const body = {
      role: String(form.get('role') ?? '').trim(),
      name: String(form.get('name') ?? '').trim() || null,
      is_service_user: form.get('is_service_user') === 'yes',
      is_data_champion: form.get('is_data_champion') === 'yes',
    };
    if (await memberForm.submit(async () => unwrap(await improvement.POST('/api/improvement/teams/{team_id}/members', { ...path, body })), `${body.role} added to the project team.`, target)) {
      members.reload();
      readiness.reload();
    }
  }

  async function setAim(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? '').trim();
    const body = { what: text('what'), how_much: text('how_much'), by_when: text('by_when'), for_whom: text('for_whom') || null };
    if (await aimForm.submit(async () => unwrap(await improvement.PUT('/api/improvement/teams/{team_id}/aim', { ...path, body })), 'The aim is saved. Your coach agrees it with you.')) {
      aim.reload();
      readiness.reload();
    }
  }

  async function agreeAim() {
    if (await aimForm.submit(async () => unwrap(await improvement.POST('/api/improvement/teams/{team_id}/aim/agreement', path)), 'The aim is agreed.')) {
      aim.reload();
      readiness.reload();
    }
  }

  async function score(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const target = event.currentTarget;
    const form = new FormData(target);
    const month = String(form.get('month') ?? '');
    const body = { score: Number(form.get('score')), note: String(form.get('note') ?? '').trim() || null };
    if (await scoreForm.submit(async () => unwrap(await improvement.PUT('/api/improvement/teams/{team_id}/progress-scores/{month}', { params: { path: { team_id: teamId, month } }, body })), `Progress score for ${month} saved.`, target)) progress.reload();
  }

  if (team.error !== undefined) return <Failure error={team.error} />;
  if (!team.data) return <Loading what="the project" />;
  const t = team.data;
  const scored = (progress.data?.months ?? []).filter((m) => m.score != null);
  return (
    <>
      <BackLink to={`/teams/${teamId}`}>{t.name}</BackLink>
      <ErrorSummary problem={memberForm.problem ?? aimForm.problem ?? scoreForm.problem} labels={{ role: 'Role or grade', what: 'What will improve', how_much: 'By how much', by_when: 'By when' }} />
      <Heading caption={t.name}>Project team and aim</Heading>
      <SummaryList
        rows={[
          ['Stage', `${words(t.phase)}${t.programme_month ? `, month ${t.programme_month} of the programme` : ''}`],
          ['Coaching starts', ukDate(t.programme.coaching_starts_on)],
          ['QI coach', t.coach_name ?? 'Not allocated yet'],
          ['Ready for coaching', readiness.data ? (readiness.data.ready ? <Tag key="r" colour="green">Ready</Tag> : <Tag key="r" colour="yellow">{`${readiness.data.checks.filter((c) => c.met).length} of ${readiness.data.checks.length} done`}</Tag>) : ''],
        ]}
      />
      {readiness.data && (
        <Table
          caption="Getting ready for coaching"
          head={['Step', 'Done', 'Detail']}
          rows={readiness.data.checks.map((c) => [c.label, c.met ? <Tag key="m" colour="green">Done</Tag> : <Tag key="m" colour="grey">Not yet</Tag>, c.detail])}
        />
      )}
      <section aria-labelledby="aim">
        <h2 className="nhsuk-heading-m" id="aim">Aim</h2>
        {aim.data ? (
          <>
            <p className="nhsuk-body-l" data-testid="aim-statement">{aim.data.statement}</p>
            <p className="nhsuk-body">{aim.data.agreed ? <Tag colour="green">{`Agreed with the coach on ${ukDate(aim.data.agreed_on)}`}</Tag> : <Tag colour="yellow">Not agreed with the coach yet</Tag>}</p>
            {isCoach && !aim.data.agreed && <Button onClick={() => void agreeAim()}>Agree the aim</Button>}
          </>
        ) : (
          <p className="nhsuk-body">The team has not written its aim yet.</p>
        )}
        <Done message={aimForm.done} />
        {isLead && (
          <details className="nhsuk-details">
            <summary className="nhsuk-details__summary"><span className="nhsuk-details__summary-text">{aim.data ? 'Change the aim' : 'Write the aim'}</span></summary>
            <div className="nhsuk-details__text">
              <form onSubmit={(e) => void setAim(e)} noValidate>
                <Field id="what" label="What will improve" hint="For example, the staff who frequently enjoy being at work" error={aimForm.errors.what}>
                  {(p) => <input {...p} className={`nhsuk-input ${p.className}`} name="what" />}
                </Field>
                <Field id="how_much" label="By how much" hint="For example, from 40% to 60%" error={aimForm.errors.how_much}>
                  {(p) => <input {...p} className={`nhsuk-input nhsuk-input--width-20 ${p.className}`} name="how_much" />}
                </Field>
                <Field id="by_when" label="By when" error={aimForm.errors.by_when}>
                  {(p) => <input {...p} className={`nhsuk-input nhsuk-input--width-10 ${p.className}`} name="by_when" type="date" />}
                </Field>
                <Field id="for_whom" label="For whom (optional)" error={aimForm.errors.for_whom}>
                  {(p) => <input {...p} className={`nhsuk-input ${p.className}`} name="for_whom" />}
                </Field>
                <Button type="submit">Save the aim</Button>
              </form>
            </div>
          </details>
        )}
      </section>
      <section aria-labelledby="progress">
        <h2 className="nhsuk-heading-m" id="progress">Progress scores</h2>
        <p className="nhsuk-body">The coach scores the team's progress each month, from 0.5 (forming the team) to 5 (outstanding, sustainable results).</p>
        <Table
          caption="Progress scores by month"
          head={['Month', 'Score', 'What it means', 'Note']}
          empty="No progress score yet."
          rows={scored.map((m) => [m.month, String(m.score), m.label ?? '', m.note ?? ''])}
        />
        <Done message={scoreForm.done} />
        {isCoach && levels.data && (progress.data?.months.length ?? 0) > 0 && (
          <form onSubmit={(e) => void score(e)} noValidate>
            <h3 className="nhsuk-heading-s">Score a month</h3>
            <Field id="month" label="Month" error={scoreForm.errors.month}>
              {(p) => (
                <select {...p} className={`nhsuk-select ${p.className}`} name="month">
                  {progress.data?.months.map((m) => <option key={m.month} value={m.month}>{m.month} (programme month {m.programme_month})</option>)}
                </select>
              )}
            </Field>
            <Field id="score" label="Score" error={scoreForm.errors.score}>
              {(p) => (
                <select {...p} className={`nhsuk-select ${p.className}`} name="score">
                  {levels.data?.map((l) => <option key={l.score} value={l.score}>{l.score}: {l.label}</option>)}
                </select>
              )}
            </Field>
            <Field id="note" label="Note (optional)" error={scoreForm.errors.note}>
              {(p) => <input {...p} className={`nhsuk-input ${p.className}`} name="note" />}
            </Field>
            <Button type="submit" secondary>Save the score</Button>
          </form>
        )}
      </section>
      <section aria-labelledby="members">
        <h2 className="nhsuk-heading-m" id="members">Project team</h2>
        {members.error !== undefined && <Failure error={members.error} />}
        {members.data && (
          <Table
            caption="Members of the project team"
            head={['Role or grade', 'Name', 'Joined', '']}
            empty="No one is in the project team yet."
            rows={members.data.filter((m) => !m.left_on).map((m) => [
              m.role,
              m.name ?? '',
              ukDate(m.joined_on),
              <>{m.is_service_user && <Tag colour="blue">Uses the service</Tag>} {m.is_data_champion && <Tag colour="purple">Data champion</Tag>}</>,
            ])}
          />
        )}
        <Done message={memberForm.done} />
        {isLead && (
          <form onSubmit={(e) => void addMember(e)} noValidate>
            <h3 className="nhsuk-heading-s">Add someone to the project team</h3>
            <Field id="role" label="Role or grade" hint="For example, Band 6 nurse or expert by experience" error={memberForm.errors.role}>
              {(p) => <input {...p} className={`nhsuk-input nhsuk-input--width-20 ${p.className}`} name="role" />}
            </Field>
            <Field id="name" label="Name (optional)" error={memberForm.errors.name}>
              {(p) => <input {...p} className={`nhsuk-input nhsuk-input--width-20 ${p.className}`} name="name" autoComplete="off" />}
            </Field>
            <div className="nhsuk-form-group">
              <div className="nhsuk-checkboxes">
                <div className="nhsuk-checkboxes__item">
                  <input className="nhsuk-checkboxes__input" id="member-service-user" name="is_service_user" type="checkbox" value="yes" />
                  <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor="member-service-user">Uses the service</label>
                </div>
                <div className="nhsuk-checkboxes__item">
                  <input className="nhsuk-checkboxes__input" id="member-data-champion" name="is_data_champion" type="checkbox" value="yes" />
                  <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor="member-data-champion">Data champion</label>
                </div>
              </div>
            </div>
            <Button type="submit" secondary>Add to the project team</Button>
          </form>
        )}
      </section>
    </>
  );
}
