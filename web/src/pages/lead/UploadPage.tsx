import { useRef, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { bearer, enrolment, measurement, unwrap, type Problem } from '../../api/client';
import { BackLink, Button, ErrorSummary, Failure, Field, Heading, Inset, Loading, SuccessBanner, Table, asProblem, plainMessage } from '../../components/nhs';
import { useData, useTitle } from '../../components/useData';

type Kind = 'values' | 'responses';

const KINDS: Record<Kind, { title: string; hint: string; header: string }> = {
  values: {
    title: 'Weekly or monthly figures',
    hint: 'Counts, numerators and denominators, or values for a period',
    header: 'client_id,measure,period,numerator,denominator,value',
  },
  responses: {
    title: 'Survey responses',
    hint: "Each person's anonymous answers to the pulse survey",
    header: 'client_id,measure,responded_at,item_1',
  },
};

interface Uploaded {
  rows: number;
  new_rows: number;
  repeated_rows: number;
}

/** A project lead uploads a CSV of the team's data: every failing row is named (nothing is
 * stored until the whole file is right), then the team's charts show it. */
export function UploadPage() {
  const { teamId = '' } = useParams();
  const team = useData(async () => unwrap(await enrolment.GET('/api/enrolment/teams/{team_id}', { params: { path: { team_id: teamId } } })), [teamId]);
  const cohortId = team.data?.cohort_id;
  const plan = useData(async () => (cohortId ? unwrap(await measurement.GET('/api/measurement/cohorts/{cohort_id}/plan', { params: { path: { cohort_id: cohortId } } })) : null), [cohortId]);
  const [kind, setKind] = useState<Kind>('values');
  const [problem, setProblem] = useState<Problem | null>(null);
  const [uploaded, setUploaded] = useState<Uploaded | null>(null);
  const [busy, setBusy] = useState(false);
  const file = useRef<HTMLInputElement>(null);
  useTitle('Upload data');

  async function upload(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const chosen = file.current?.files?.[0];
    setUploaded(null);
    if (!chosen) {
      setProblem({ title: 'No file', status: 422, errors: [{ field: 'file', message: 'Choose a CSV file to upload' }] });
      return;
    }
    setBusy(true);
    try {
      const response = await fetch(`/api/measurement/uploads/teams/${teamId}/${kind}`, {
        method: 'POST',
        headers: { ...bearer(), 'Content-Type': 'text/csv' },
        body: await chosen.text(),
      });
      const answer = (await response.json()) as Uploaded & Problem;
      if (!response.ok) {
        setProblem(answer);
        return;
      }
      setProblem(null);
      setUploaded(answer);
      if (file.current) file.current.value = '';
    } catch (error) {
      setProblem(asProblem(error));
    } finally {
      setBusy(false);
    }
  }

  if (team.error !== undefined) return <Failure error={team.error} />;
  if (!team.data) return <Loading what="the team" />;
  const rowErrors = (problem?.errors ?? []).filter((e) => e.row != null);
  // The API numbers data rows from 0; people count lines of the file, the header being line 1.
  const shown: Problem | null = problem && {
    ...problem,
    errors: (problem.errors ?? []).map((e) => (e.row != null ? { field: 'file', message: `Line ${e.row + 2}, ${e.field}: ${plainMessage(e.message)}` } : e)),
  };
  return (
    <div className="nhsuk-grid-row">
      <div className="nhsuk-grid-column-two-thirds">
        <BackLink to={`/teams/${teamId}`}>{team.data.team_name}</BackLink>
        <ErrorSummary problem={shown} />
        {uploaded && (
          <SuccessBanner title={`${uploaded.rows} rows uploaded`}>
            <p>{uploaded.new_rows} new, {uploaded.repeated_rows} already uploaded before. The team's charts now include them.</p>
          </SuccessBanner>
        )}
        <Heading caption={team.data.team_name}>Upload data</Heading>
        <p className="nhsuk-body">Upload a CSV file (for example, saved from Excel) with one row for each figure. Nothing is saved until every row is right: if a row has a mistake, we list it so you can fix the file and upload it again.</p>
        <form onSubmit={(e) => void upload(e)} noValidate>
          <div className="nhsuk-form-group">
            <fieldset className="nhsuk-fieldset">
              <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">What is in the file?</legend>
              <div className="nhsuk-radios">
                {(Object.keys(KINDS) as Kind[]).map((value) => (
                  <div className="nhsuk-radios__item" key={value}>
                    <input className="nhsuk-radios__input" id={`kind-${value}`} name="kind" type="radio" value={value} checked={kind === value} onChange={() => setKind(value)} aria-describedby={`kind-${value}-hint`} />
                    <label className="nhsuk-label nhsuk-radios__label" htmlFor={`kind-${value}`}>{KINDS[value].title}</label>
                    <div className="nhsuk-hint nhsuk-radios__hint" id={`kind-${value}-hint`}>{KINDS[value].hint}</div>
                  </div>
                ))}
              </div>
            </fieldset>
          </div>
          <Inset>
            <p>The first line names the columns: <code>{KINDS[kind].header}</code>. Give each row its own <code>client_id</code>, so a file uploaded twice is counted once.</p>
          </Inset>
          <Field id="file" label="CSV file" error={rowErrors.length ? `${rowErrors.length} row${rowErrors.length === 1 ? '' : 's'} to fix: see below` : problem?.errors?.find((e) => e.field === 'file')?.message}>
            {(p) => <input {...p} className={`nhsuk-file-upload ${p.className}`} type="file" accept=".csv,text/csv" ref={file} />}
          </Field>
          {rowErrors.length > 0 && (
            <Table
              caption="Rows to fix"
              head={['Line', 'Column', 'What is wrong']}
              rows={rowErrors.map((e) => [String((e.row ?? 0) + 2), e.field, plainMessage(e.message)])}
            />
          )}
          <Button type="submit" disabled={busy}>Upload file</Button>
        </form>
        {plan.data && (
          <>
            <h2 className="nhsuk-heading-m">The team's charts</h2>
            <ul className="nhsuk-list">
              {plan.data.measures.map((m) => (
                <li key={m.key}>
                  <Link to={`/teams/${teamId}/charts/${encodeURIComponent(m.key)}`}>See chart<span className="nhsuk-u-visually-hidden"> of {m.name}</span></Link>
                  <span aria-hidden="true">: {m.name}</span> (<code>{m.key}</code>)
                </li>
              ))}
            </ul>
          </>
        )}
      </div>
    </div>
  );
}
