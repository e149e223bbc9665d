import { useState, type FormEvent } from 'react';
import { useParams } from 'react-router';
import { billing, download, unwrap, type Problem } from '../../api/client';
import { useAuth } from '../../auth/AuthProvider';
import { BackLink, Button, ErrorSummary, Failure, Field, Heading, Loading, SuccessBanner, SummaryList, Table, Tag, asProblem, fieldErrors } from '../../components/nhs';
import { useData, useTitle } from '../../components/useData';
import { percent, pounds, todayInUk, ukDate, words } from '../../format';
import { INVOICE_COLOURS } from './InvoiceList';

export const METHODS = [
  ['bacs', 'BACS'],
  ['chaps', 'CHAPS'],
  ['card', 'Card'],
  ['cheque', 'Cheque'],
  ['direct_debit', 'Direct Debit'],
  ['other', 'Other'],
] as const;

export function InvoicePage() {
  const { invoiceId = '' } = useParams();
  const { person } = useAuth();
  const isFinance = person?.role === 'finance';
  const invoice = useData(async () => unwrap(await billing.GET('/api/billing/invoices/{invoice_id}', { params: { path: { invoice_id: invoiceId } } })), [invoiceId]);
  const payments = useData(async () => unwrap(await billing.GET('/api/billing/invoices/{invoice_id}/payments', { params: { path: { invoice_id: invoiceId } } })), [invoiceId]);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [recorded, setRecorded] = useState<string | null>(null);
  useTitle(invoice.data ? `Invoice ${invoice.data.number}` : 'Invoice');

  async function pay(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? '').trim();
    try {
      const answer = unwrap(
        await billing.POST('/api/billing/invoices/{invoice_id}/payments', {
          params: { path: { invoice_id: invoiceId } },
          body: {
            amount: text('amount').replace(/[£,\s]/g, ''),
            received_on: text('received_on'),
            reference: text('reference'),
            method: text('method') as (typeof METHODS)[number][0],
          },
        }),
      );
      setProblem(null);
      setRecorded(`Payment of ${pounds(answer.payment.amount)} recorded. Outstanding: ${pounds(answer.invoice.outstanding)}.`);
      (event.target as HTMLFormElement).reset();
      invoice.reload();
      payments.reload();
    } catch (error) {
      setProblem(asProblem(error));
    }
  }

  if (invoice.error !== undefined) return <Failure error={invoice.error} />;
  if (!invoice.data) return <Loading what="the invoice" />;
  const i = invoice.data;
  const errors = fieldErrors(problem);
  return (
    <>
      <BackLink to={person?.role === 'team_lead' ? '/our-invoices' : '/invoices'}>Invoices</BackLink>
      <ErrorSummary problem={problem} labels={{ amount: 'Amount', received_on: 'Date received', reference: 'Reference', method: 'Method' }} />
      {recorded && <SuccessBanner title={recorded} />}
      <Heading caption={i.customer.name}>Invoice {i.number}</Heading>
      <SummaryList
        rows={[
          ['Status', <Tag key="s" colour={INVOICE_COLOURS[i.status]}>{words(i.status)}</Tag>],
          ['For', i.description],
          ['Purchase order', i.purchase_order],
          ['Issued', ukDate(i.issued_on)],
          ['Due', ukDate(i.due_on)],
          ['Net', pounds(i.net)],
          [`VAT at ${percent(i.vat_rate)}`, pounds(i.vat)],
          ['Total', pounds(i.gross)],
          ['Paid', pounds(i.paid)],
          ['Credited', pounds(i.credited)],
          ['Outstanding', <strong key="o">{pounds(i.outstanding)}</strong>],
        ]}
      />
      <Button secondary onClick={() => download(`/api/billing/invoices/${i.id}/pdf`, `${i.number}.pdf`).catch((e: unknown) => setProblem(asProblem(e)))}>
        Download invoice PDF
      </Button>
      <Table
        caption="Payments"
        head={['Received', 'Amount', 'Method', 'Reference']}
        empty="No payments recorded."
        rows={(payments.data ?? []).map((p) => [ukDate(p.received_on), pounds(p.amount), words(p.method), p.reference])}
      />
      {isFinance && Number(i.outstanding) > 0 && (
        <section aria-labelledby="record-payment">
          <h2 className="nhsuk-heading-m" id="record-payment">Record a payment</h2>
          <form onSubmit={(e) => void pay(e)} noValidate>
            <Field id="amount" label="Amount in pounds" error={errors.amount}>
              {(p) => (
                <div className="nhsuk-input-wrapper">
                  <div className="nhsuk-input__prefix" aria-hidden="true">£</div>
                  <input {...p} className={`nhsuk-input nhsuk-input--width-10 ${p.className}`} name="amount" inputMode="decimal" defaultValue={i.outstanding} />
                </div>
              )}
            </Field>
            <Field id="received_on" label="Date received" error={errors.received_on}>
              {(p) => <input {...p} className={`nhsuk-input nhsuk-input--width-10 ${p.className}`} name="received_on" type="date" defaultValue={todayInUk()} />}
            </Field>
            <Field id="method" label="Method" error={errors.method}>
              {(p) => (
                <select {...p} className={`nhsuk-select ${p.className}`} name="method" defaultValue="bacs">
                  {METHODS.map(([value, text]) => <option key={value} value={value}>{text}</option>)}
                </select>
              )}
            </Field>
            <Field id="reference" label="Reference" hint="As it appears on the bank statement" error={errors.reference}>
              {(p) => <input {...p} className={`nhsuk-input nhsuk-input--width-20 ${p.className}`} name="reference" />}
            </Field>
            <Button type="submit">Record payment</Button>
          </form>
        </section>
      )}
    </>
  );
}
