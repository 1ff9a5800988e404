import type { insightChannels } from '../../../shared/ipc/areas/insights.js';
import { patientSummary } from '../records/summary.js';
import { trendChoices, trendSeries } from '../records/trends.js';
import { searchRecords } from '../vault/search.js';
import { timelineCounts } from '../vault/timeline-counts.js';
import type { HandlersFor, ServiceContext } from './context.js';

export function insightHandlers(ctx: ServiceContext): HandlersFor<keyof typeof insightChannels> {
  return {
    'timeline.counts': (req) => timelineCounts(ctx.vault.db, req),
    'timeline.find': (req) => ({ entries: searchRecords(ctx.vault.db, req) }),
    'summary.get': (req) => patientSummary(ctx.vault.db, req.personId),
    'trends.choices': (req) => trendChoices(ctx.vault.db, req.personId),
    'trends.series': (req) => trendSeries(ctx.vault.db, req.personId, req.code),
  };
}
