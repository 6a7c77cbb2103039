import type { PageRecord } from './types.ts';

/**
 * Alertmanager delivers two kinds of notification (alerts/alertmanager.yml routes on
 * `severity`): a page wakes someone up now, a ticket is work for office hours (drift, a
 * budget slowly burning). The receiver records both; a report that lists a FeatureDrift
 * ticket under "pages" tells the reader someone was woken who was not. Only severity=page
 * is a page; every other severity (ticket, or none) is listed as a ticket.
 */
export function isPage(record: Pick<PageRecord, 'severity'>): boolean {
  return record.severity === 'page';
}

export function splitNotifications(records: readonly PageRecord[]): { pages: PageRecord[]; tickets: PageRecord[] } {
  const sorted = [...records].sort((a, b) => a.atMs - b.atMs);
  return { pages: sorted.filter(isPage), tickets: sorted.filter((r) => !isPage(r)) };
}
