import { useState } from 'react';
import { Link } from 'react-router';
import { billing, download, unwrap, type Problem } from '../../api/client';
import type { Proforma } from '../../api/types';
import { useAuth } from '../../auth/AuthProvider';
import { Button, ErrorSummary, Failure, Heading, Loading, SuccessBanner, Table, Tag, asProblem } from '../../components/nhs';
import { useData, useTitle } from '../../components/useData';
import { pounds, ukDate, words } from '../../format';
import { INVOICE_COLOURS } from './InvoiceList';

function PurchaseOrder({ proforma, onDone }: { proforma: Proforma; onDone: (problem: Problem | null, invoice?: { id: string; number: string }) => void }) {
  const [po, setPo] = useState('');
  async function record() {
    try {
      const invoice = unwrap(
        await billing.POST('/api/billing/proformas/{proforma_id}/purchase-order', {
          params: { path: { proforma_id: proforma.id } },
          body: { purchase_order: po.trim() },
        }),
      );
      onDone(null, invoice);
    } catch (error) {
      onDone(asProblem(error));
    }
  }
  return (
    <form className="ewc-inline-form" onSubmit={(e) => { e.preventDefault(); void record(); }}>
      <div className="nhsuk-form-group">
        <label className="nhsuk-label" htmlFor={`po-${proforma.id}`}>Purchase order number<span className="nhsuk-u-visually-hidden"> for {proforma.reference}</span></label>
        <input className="nhsuk-input nhsuk-input--width-10" id={`po-${proforma.id}`} value={po} onChange={(e) => setPo(e.target.value)} />
      </div>
      <Button small type="submit">Record<span className="nhsuk-u-visually-hidden"> purchase order for {proforma.reference}</span></Button>
    </form>
  );
}

export function ProformaList() {
  useTitle('Pro-forma invoices');
  const { person } = useAuth();
  const proformas = useData(async () => unwrap(await billing.GET('/api/billing/proformas', { params: { query: { limit: 200 } } })), []);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [issued, setIssued] = useState<{ id: string; number: string } | null>(null);
  if (proformas.error !== undefined) return <Failure error={proformas.error} />;
  if (!proformas.data) return <Loading what="pro-forma invoices" />;
  return (
    <>
      <ErrorSummary problem={problem} />
      {issued && (
        <SuccessBanner title={`VAT invoice ${issued.number} issued`}>
          <p><Link className="nhsuk-notification-banner__link" to={`/invoices/${issued.id}`}>Go to invoice {issued.number}</Link></p>
        </SuccessBanner>
      )}
      <Heading caption="Finance">Pro-forma invoices</Heading>
      <p className="nhsuk-body">When a team is confirmed, its organisation is sent a pro-forma. Record the organisation's purchase order to issue the VAT invoice.</p>
      <Table
        caption="Pro-forma invoices"
        head={['Reference', 'Customer', 'Issued', 'Total', 'Status', 'Purchase order', 'PDF']}
        empty="No pro-forma invoices."
        rows={proformas.data.map((p) => [
          p.reference,
          p.customer.name,
          ukDate(p.issued_on),
          pounds(p.gross),
          <Tag key="s" colour={INVOICE_COLOURS[p.status]}>{words(p.status)}</Tag>,
          p.status === 'awaiting_po' && person?.role === 'finance' ? (
            <PurchaseOrder key="po" proforma={p} onDone={(result, invoice) => { setProblem(result); setIssued(invoice ?? null); proformas.reload(); }} />
          ) : p.invoice_id ? (
            <Link key="i" to={`/invoices/${p.invoice_id}`}>See invoice<span className="nhsuk-u-visually-hidden"> for {p.reference}</span></Link>
          ) : '',
          <Button key="pdf" small secondary onClick={() => download(`/api/billing/proformas/${p.id}/pdf`, `${p.reference}.pdf`).catch((e: unknown) => setProblem(asProblem(e)))}>
            Download<span className="nhsuk-u-visually-hidden"> pro-forma {p.reference}</span> PDF
          </Button>,
        ])}
      />
    </>
  );
}
