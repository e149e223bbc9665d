import { useState } from 'react';
import { Link } from 'react-router';
import { useAuth } from '../../auth/AuthProvider';
import { billing, download, unwrap, type Problem } from '../../api/client';
import { Button, ErrorSummary, Failure, Heading, Loading, Table, asProblem } from '../../components/nhs';
import { useData, useTitle } from '../../components/useData';
import { pounds, ukDate } from '../../format';

export function CreditNotes() {
  const { person } = useAuth();
  const handles = person?.role === 'finance' || person?.role === 'coordinator';
  const notes = useData(async () => unwrap(await billing.GET('/api/billing/credit-notes', { params: { query: { limit: 200 } } })), []);
  const [problem, setProblem] = useState<Problem | null>(null);
  if (notes.error !== undefined) return <Failure error={notes.error} />;
  if (!notes.data) return <Loading what="credit notes" />;
  return (
    <>
      <ErrorSummary problem={problem} />
      <Table
        caption="Credit notes"
        head={['Number', 'Against invoice', 'Customer', 'Issued', 'Total', 'Unused', 'Reason', 'PDF']}
        empty="No credit notes."
        rows={notes.data.map((n) => [
          handles ? <Link key="n" to={`/credit-notes/${n.id}`}>{n.number}</Link> : n.number,
          n.invoice_number,
          n.customer.name,
          ukDate(n.issued_on),
          pounds(n.gross),
          pounds(n.unused),
          n.reason_text,
          <Button
            key="pdf"
            small
            secondary
            onClick={() => download(`/api/billing/credit-notes/${n.id}/pdf`, `${n.number}.pdf`).catch((e: unknown) => setProblem(asProblem(e)))}
          >
            Download<span className="nhsuk-u-visually-hidden"> credit note {n.number}</span> PDF
          </Button>,
        ])}
      />
    </>
  );
}

export function CreditNoteList() {
  useTitle('Credit notes');
  return (
    <>
      <Heading caption="Finance">Credit notes</Heading>
      <CreditNotes />
    </>
  );
}
