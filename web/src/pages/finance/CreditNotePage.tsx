import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { billing, download, unwrap, type Problem } from '../../api/client';
import { BackLink, Button, ErrorSummary, Failure, Field, Heading, Loading, SuccessBanner, SummaryList, Table, asProblem, fieldErrors } from '../../components/nhs';
import { useData, useTitle } from '../../components/useData';
import { pounds, todayInUk, ukDate } from '../../format';
import { METHODS } from './InvoicePage';

/** A credit note: what its own invoice took, and its unused amount allocated by finance to
 * another open invoice of the organisation in the cohort, or refunded. */
export function CreditNotePage() {
  const { creditNoteId = '' } = useParams();
  const note = useData(async () => unwrap(await billing.GET('/api/billing/credit-notes/{credit_note_id}', { params: { path: { credit_note_id: creditNoteId } } })), [creditNoteId]);
  const n = note.data;
  const open = useData(async () => {
    if (!n) return [];
    const invoices = unwrap(await billing.GET('/api/billing/invoices', { params: { query: { organisation_id: n.organisation_id, cohort_id: n.cohort_id, limit: 200 } } }));
    return invoices.filter((i) => i.id !== n.invoice_id && Number(i.outstanding) > 0);
  }, [n?.id, n?.unused]);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [recorded, setRecorded] = useState<string | null>(null);
  useTitle(n ? `Credit note ${n.number}` : 'Credit note');

  async function send(event: FormEvent<HTMLFormElement>, what: 'allocations' | 'refunds') {
    event.preventDefault();
    const target = event.currentTarget;
    const form = new FormData(target);
    const text = (name: string) => String(form.get(name) ?? '').trim();
    const amount = text('amount').replace(/[£,\s]/g, '');
    const path = { params: { path: { credit_note_id: creditNoteId } } };
    try {
      if (what === 'allocations') {
        const answer = unwrap(await billing.POST('/api/billing/credit-notes/{credit_note_id}/allocations', { ...path, body: { invoice_id: text('invoice_id'), amount } }));
        setRecorded(`${pounds(answer.allocation.amount)} allocated to the invoice.`);
      } else {
        const answer = unwrap(await billing.POST('/api/billing/credit-notes/{credit_note_id}/refunds', { ...path, body: { amount, paid_on: text('paid_on'), reference: text('reference'), method: text('method') as (typeof METHODS)[number][0] } }));
        setRecorded(`Refund of ${pounds(answer.refund.amount)} recorded.`);
      }
      setProblem(null);
      target.reset();
      note.reload();
    } catch (error) {
      setRecorded(null);
      setProblem(asProblem(error));
    }
  }

  if (note.error !== undefined) return <Failure error={note.error} />;
  if (!n) return <Loading what="the credit note" />;
  const errors = fieldErrors(problem);
  const unused = Number(n.unused) > 0;
  return (
    <>
      <BackLink to="/credit-notes">Credit notes</BackLink>
      <ErrorSummary problem={problem} labels={{ amount: 'Amount', invoice_id: 'Invoice', paid_on: 'Date paid', reference: 'Reference', method: 'Method' }} />
      {recorded && <SuccessBanner title={recorded}><p>Left to allocate or refund: {pounds(n.unused)}</p></SuccessBanner>}
      <Heading caption={n.customer.name}>Credit note {n.number}</Heading>
      <SummaryList
        rows={[
          ['Against invoice', <Link key="i" to={`/invoices/${n.invoice_id}`}>{n.invoice_number}</Link>],
          ['Reason', n.reason_text],
          ['Issued', ukDate(n.issued_on)],
          ['Total', pounds(n.gross)],
          ['Taken by its invoice', pounds(n.applied)],
          ['Allocated to other invoices', pounds(n.allocated)],
          ['Refunded', pounds(n.refunded)],
          ['Left to allocate or refund', <strong key="u" data-testid="credit-unused">{pounds(n.unused)}</strong>],
        ]}
      />
      <Button secondary onClick={() => download(`/api/billing/credit-notes/${n.id}/pdf`, `${n.number}.pdf`).catch((e: unknown) => setProblem(asProblem(e)))}>
        Download credit note PDF
      </Button>
      {unused && (
        <>
          <section aria-labelledby="allocate">
            <h2 className="nhsuk-heading-m" id="allocate">Allocate credit to another invoice</h2>
            {open.data && !open.data.length ? (
              <p className="nhsuk-body">The organisation has no other open invoice in this cohort.</p>
            ) : (
              <form onSubmit={(e) => void send(e, 'allocations')} noValidate>
                <Field id="invoice_id" label="Invoice" error={errors.invoice_id}>
                  {(p) => (
                    <select {...p} className={`nhsuk-select ${p.className}`} name="invoice_id">
                      {(open.data ?? []).map((i) => <option key={i.id} value={i.id}>{i.number}: {pounds(i.outstanding)} outstanding</option>)}
                    </select>
                  )}
                </Field>
                <Field id="allocation-amount" label="Amount to allocate in pounds" error={errors.amount}>
                  {(p) => <input {...p} className={`nhsuk-input nhsuk-input--width-10 ${p.className}`} name="amount" inputMode="decimal" />}
                </Field>
                <Button type="submit">Allocate credit</Button>
              </form>
            )}
          </section>
          <section aria-labelledby="refund">
            <h2 className="nhsuk-heading-m" id="refund">Record a refund</h2>
            <form onSubmit={(e) => void send(e, 'refunds')} noValidate>
              <Field id="refund-amount" label="Amount refunded in pounds" error={errors.amount}>
                {(p) => <input {...p} className={`nhsuk-input nhsuk-input--width-10 ${p.className}`} name="amount" inputMode="decimal" />}
              </Field>
              <Field id="paid_on" label="Date paid" error={errors.paid_on}>
                {(p) => <input {...p} className={`nhsuk-input nhsuk-input--width-10 ${p.className}`} name="paid_on" type="date" defaultValue={todayInUk()} />}
              </Field>
              <Field id="method" label="Method" error={errors.method}>
                {(p) => (
                  <select {...p} className={`nhsuk-select ${p.className}`} name="method" defaultValue="bacs">
                    {METHODS.map(([value, text]) => <option key={value} value={value}>{text}</option>)}
                  </select>
                )}
              </Field>
              <Field id="reference" label="Reference" hint="The reference the money went out with" error={errors.reference}>
                {(p) => <input {...p} className={`nhsuk-input nhsuk-input--width-20 ${p.className}`} name="reference" />}
              </Field>
              <Button type="submit">Record refund</Button>
            </form>
          </section>
        </>
      )}
      {!unused && <Table caption="Nothing left" head={['']} rows={[]} empty="All of this credit has been used, allocated or refunded." />}
    </>
  );
}

/** The ledger of a date range as CSV, for the finance system. */
export function LedgerPage() {
  useTitle('Ledger export');
  const [problem, setProblem] = useState<Problem | null>(null);
  const today = todayInUk();
  const [from, setFrom] = useState(`${today.slice(0, 4)}-01-01`);
  const [to, setTo] = useState(today);
  async function exportLedger(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    try {
      await download(`/api/billing/exports/ledger.csv?from_date=${encodeURIComponent(from)}&to_date=${encodeURIComponent(to)}`, `ledger-${from}-to-${to}.csv`);
      setProblem(null);
    } catch (error) {
      setProblem(asProblem(error));
    }
  }
  const errors = fieldErrors(problem);
  return (
    <>
      <ErrorSummary problem={problem} labels={{ from_date: 'From', to_date: 'To' }} />
      <Heading caption="Finance">Ledger export</Heading>
      <p className="nhsuk-body">Every invoice, credit note, payment, allocation and refund line in the dates chosen (at most a year), as a CSV file for the finance system.</p>
      <form onSubmit={(e) => void exportLedger(e)} noValidate>
        <Field id="from_date" label="From" error={errors.from_date}>
          {(p) => <input {...p} className={`nhsuk-input nhsuk-input--width-10 ${p.className}`} type="date" value={from} onChange={(e) => setFrom(e.target.value)} />}
        </Field>
        <Field id="to_date" label="To" error={errors.to_date}>
          {(p) => <input {...p} className={`nhsuk-input nhsuk-input--width-10 ${p.className}`} type="date" value={to} onChange={(e) => setTo(e.target.value)} />}
        </Field>
        <Button type="submit">Download the ledger (CSV)</Button>
      </form>
    </>
  );
}
