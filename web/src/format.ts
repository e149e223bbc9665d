// Money in pounds, times in UK time (Europe/London), in plain English.
const LONDON = 'Europe/London';

export function pounds(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '';
  const amount = typeof value === 'number' ? value : Number(value);
  return new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'GBP' }).format(amount);
}

export function percent(fraction: string | number): string {
  return `${Math.round(Number(fraction) * 1000) / 10}%`;
}

export function ukDateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const when = new Date(iso);
  const date = new Intl.DateTimeFormat('en-GB', { timeZone: LONDON, day: 'numeric', month: 'long', year: 'numeric' }).format(when);
  const time = new Intl.DateTimeFormat('en-GB', { timeZone: LONDON, hour: 'numeric', minute: '2-digit', hour12: true })
    .format(when)
    .replace(' ', '')
    .toLowerCase();
  const zone = new Intl.DateTimeFormat('en-GB', { timeZone: LONDON, timeZoneName: 'short' })
    .formatToParts(when)
    .find((part) => part.type === 'timeZoneName')?.value;
  return `${time} on ${date} (UK time${zone ? `, ${zone}` : ''})`;
}

export function ukDate(iso: string | null | undefined): string {
  if (!iso) return '';
  // A plain date (YYYY-MM-DD) is already a UK calendar date: show it without moving it.
  const when = /^\d{4}-\d{2}-\d{2}$/.test(iso) ? new Date(`${iso}T12:00:00Z`) : new Date(iso);
  return new Intl.DateTimeFormat('en-GB', { timeZone: LONDON, day: 'numeric', month: 'long', year: 'numeric' }).format(when);
}

export function todayInUk(): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: LONDON, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  return parts; // en-CA formats as YYYY-MM-DD
}

export function words(value: string): string {
  const text = value.replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export const NATIONS: Record<string, string> = {
  england: 'England',
  scotland: 'Scotland',
  wales: 'Wales',
  northern_ireland: 'Northern Ireland',
};

export const SETTINGS: Record<string, string> = { clinical: 'Clinical', non_clinical: 'Non-clinical' };
