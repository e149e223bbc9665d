import { Link } from 'react-router';
import { billing, unwrap } from '../../api/client';
import { useAuth } from '../../auth/AuthProvider';
import { Failure, Heading, Loading, Table, Tag } from '../../components/nhs';
import { useData, useTitle } from '../../components/useData';
import { pounds, ukDate, words } from '../../format';
import { CreditNotes } from './CreditNoteList';

export const INVOICE_COLOURS: Record<string, string> = {
  issued: 'blue',
  part_paid: 'yellow',
  paid: 'green',
  overdue: 'red',
  credited: 'grey',
  awaiting_po: 'orange',
  invoiced: 'green',
  cancelled: 'grey',
};

export function InvoiceList() {
  const { person } = useAuth();
  const lead = person?.role === 'team_lead';
  useTitle('Invoices');
  const invoices = useData(async () => unwrap(await billing.GET('/api/billing/invoices', { params: { query: { limit: 200 } } })), []);
  if (invoices.error !== undefined) return <Failure error={invoices.error} />;
  if (!invoices.data) return <Loading what="invoices" />;
  return (
    <>
      <Heading caption={lead ? 'Your organisation' : 'Finance'}>Invoices</Heading>
      <Table
        caption="VAT invoices"
        head={['Number', 'Customer', 'Purchase order', 'Due', 'Total', 'Outstanding', 'Status']}
        empty="No invoices yet."
        rows={invoices.data.map((i) => [
          <Link key={i.id} to={`/invoices/${i.id}`}>{i.number}</Link>,
          i.customer.name,
          i.purchase_order,
          ukDate(i.due_on),
          pounds(i.gross),
          pounds(i.outstanding),
          <Tag key="s" colour={INVOICE_COLOURS[i.status]}>{words(i.status)}</Tag>,
        ])}
      />
      {lead && <CreditNotes />}
    </>
  );
}
