import { useEffect, useState, type FormEvent } from 'react';
import { useParams } from 'react-router';
import { enrolment, fetchBlob, measurement, unwrap, type Problem } from '../../api/client';
import { BackLink, Button, ErrorSummary, Failure, Field, Heading, Loading, Table, Tag, asProblem, fieldErrors } from '../../components/nhs';
import { useData, useTitle } from '../../components/useData';
import { ukDate, words } from '../../format';
import { SignalTags } from './TeamPage';

const RULES: Record<string, string> = {
  outside_limits: 'A point outside the control limits',
  trend: 'A trend of points going up or down',
  two_of_three: 'Two of three points near a limit',
  shift: 'A shift: a run of points on one side of the centre line',
  anhoj_long_run: 'An unusually long run on one side of the centre line',
  anhoj_few_crossings: 'Too few crossings of the centre line',
  ihi_trend: 'A trend of points going up or down',
  ihi_shift: 'A shift: a run of points on one side of the median',
  ihi_too_few_runs: 'Too few runs',
  ihi_too_many_runs: 'Too many runs',
};

/** One measure's chart for a team: the API's own SVG, its signals in words, and its notes. */
export function ChartPage() {
  const { teamId = '', measureKey = '' } = useParams();
  const team = useData(async () => unwrap(await enrolment.GET('/api/enrolment/teams/{team_id}', { params: { path: { team_id: teamId } } })), [teamId]);
  const chart = useData(async () => unwrap(await measurement.GET('/api/measurement/teams/{team_id}/charts/{measure_key}', { params: { path: { team_id: teamId, measure_key: measureKey } } })), [teamId, measureKey]);
  const notes = useData(async () => unwrap(await measurement.GET('/api/measurement/teams/{team_id}/charts/{measure_key}/annotations', { params: { path: { team_id: teamId, measure_key: measureKey } } })), [teamId, measureKey]);
  const [picture, setPicture] = useState<string | null>(null);
  const [pictureError, setPictureError] = useState<unknown>();
  const [round, setRound] = useState(0);
  const [problem, setProblem] = useState<Problem | null>(null);
  useTitle(chart.data ? `${chart.data.measure_name} chart` : 'Chart');

  useEffect(() => {
    let url: string | null = null;
    fetchBlob(`/api/measurement/teams/${teamId}/charts/${encodeURIComponent(measureKey)}.svg`).then(
      (blob) => {
        url = URL.createObjectURL(blob);
        setPicture(url);
      },
      setPictureError,
    );
    return () => {
      if (url) URL.revokeObjectURL(url);
    };
  }, [teamId, measureKey, round]);

  async function annotate(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    try {
      unwrap(
        await measurement.POST('/api/measurement/teams/{team_id}/charts/{measure_key}/annotations', {
          params: { path: { team_id: teamId, measure_key: measureKey } },
          body: { day: String(form.get('day') ?? ''), note: String(form.get('note') ?? '').trim() },
        }),
      );
      (event.target as HTMLFormElement).reset();
      setProblem(null);
      notes.reload();
      chart.reload();
      setRound((n) => n + 1);
    } catch (error) {
      setProblem(asProblem(error));
    }
  }

  if (chart.error !== undefined) return <Failure error={chart.error} />;
  if (!chart.data) return <Loading what="the chart" />;
  const c = chart.data;
  const errors = fieldErrors(problem);
  return (
    <>
      <BackLink to={`/teams/${teamId}`}>{team.data?.team_name ?? 'Team'}</BackLink>
      <ErrorSummary problem={problem} labels={{ day: 'Date', note: 'Note' }} />
      <Heading caption={team.data?.team_name}>{c.measure_name}</Heading>
      <p className="nhsuk-body">
        {words(c.chart.chart_type)} chart by {c.period}, {ukDate(c.from)} to {ukDate(c.to)}. <SignalTags chart={c.chart} />
      </p>
      <figure className="nhsuk-u-margin-0 nhsuk-u-margin-bottom-5">
        {picture ? (
          <img className="ewc-chart" src={picture} alt={`${words(c.chart.chart_type)} chart of ${c.measure_name} for ${c.team_name}. ${c.chart.summary.text}`} />
        ) : pictureError !== undefined ? (
          <Failure error={pictureError} />
        ) : (
          <Loading what="the chart picture" />
        )}
        <figcaption className="nhsuk-body-s">{c.chart.summary.text}</figcaption>
      </figure>
      <Table
        caption="Signals"
        head={['What the chart shows', 'Kind', 'Periods']}
        empty="The chart shows no signal: the variation is what the process usually gives."
        rows={c.chart.signals.map((s) => [
          RULES[s.rule] ?? words(s.rule),
          <Tag key="k" colour={s.signal_class === 'improvement' ? 'green' : s.signal_class === 'concern' ? 'red' : 'blue'}>{words(s.signal_class)}</Tag>,
          s.periods.length > 3 ? `${s.periods[0]} to ${s.periods[s.periods.length - 1]}` : s.periods.join(', '),
        ])}
      />
      <Table
        caption="Notes on the chart"
        head={['Date', 'Note', 'By']}
        empty="No notes yet."
        rows={(notes.data ?? []).map((n) => [ukDate(n.day), n.note, n.created_by])}
      />
      <details className="nhsuk-details">
        <summary className="nhsuk-details__summary"><span className="nhsuk-details__summary-text">Add a note to the chart</span></summary>
        <div className="nhsuk-details__text">
          <form onSubmit={(e) => void annotate(e)} noValidate>
            <Field id="day" label="Date" error={errors.day}>
              {(p) => <input {...p} className={`nhsuk-input nhsuk-input--width-10 ${p.className}`} name="day" type="date" />}
            </Field>
            <Field id="note" label="Note" hint="For example, what changed that week" error={errors.note}>
              {(p) => <input {...p} className={`nhsuk-input ${p.className}`} name="note" />}
            </Field>
            <Button type="submit">Add note</Button>
          </form>
        </div>
      </details>
    </>
  );
}
