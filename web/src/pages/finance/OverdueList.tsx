import { Link } from 'react-router';
import { billing, unwrap } from '../../api/client';
import { Failure, Heading, Loading, Table } from '../../components/nhs';
import { useData, useTitle } from '../../components/useData';
import { pounds, ukDate } from '../../format';

export function OverdueList() {
  useTitle('Overdue invoices');
  const overdue = useData(async () => unwrap(await billing.GET('/api/billing/overdue')), []);
  if (overdue.error !== undefined) return <Failure error={overdue.error} />;
  if (!overdue.data) return <Loading what="overdue invoices" />;
  return (
    <>
      <Heading caption="Finance">Overdue invoices</Heading>
      <Table
        caption="Invoices past their due date"
        head={['Invoice', 'Customer', 'Purchase order', 'Due', 'Days overdue', 'Outstanding', 'Project lead']}
        empty="No invoice is overdue."
        rows={overdue.data.map((o) => [
          <Link key={o.invoice_id} to={`/invoices/${o.invoice_id}`}>{o.number}</Link>,
          o.customer_name,
          o.purchase_order,
          ukDate(o.due_on),
          o.days_overdue,
          pounds(o.outstanding),
          o.project_lead_email ? <a key="m" href={`mailto:${o.project_lead_email}`}>{o.project_lead_name ?? o.project_lead_email}</a> : (o.project_lead_name ?? ''),
        ])}
      />
    </>
  );
}
