import { describe, expect, it } from 'vitest';
import { topTemplates } from '../../../cli/templates-top.ts';
import type { SummaryDoc } from '../../../shared/summary/summary.ts';

function contribution(tenant: string, templates: Array<[string, number]>): SummaryDoc {
  return {
    tenant, minute: '2025-05-01T12:00:00.000Z', stage: 'process', origin: { topic: 'logs.raw', partition: 0, first_offset: 0, last_offset: 9 },
    events: 10, bytes: 100, indexed: 10, deferred: 0, archive_only: 0, dlq: 0, deferred_indexed: 0, redeferred: 0,
    levels: [], formats: [], sources: [], hosts: [], templates: templates.map(([key, count]) => ({ key, count })),
  };
}

describe('sluice templates top', () => {
  it('reads the summaries of the index prefix it is given (a staging prefix is not production)', async () => {
    const searched: string[] = [];
    const byPattern: Record<string, SummaryDoc[]> = {
      'sluice-summaries-*': [contribution('acme', [['prod-t', 5]])],
      'stg-summaries-*': [contribution('acme', [['stg-t', 7]])],
    };
    const client = {
      search: async (p: { index: string }) => {
        searched.push(p.index);
        return { body: { hits: { hits: (byPattern[p.index] ?? []).map((_source) => ({ _source })) } } };
      },
      scroll: async () => ({ body: { hits: { hits: [] } } }),
      clearScroll: async () => ({ body: {} }),
    };
    const store = { get: async () => undefined };
    const top = await topTemplates({ tenant: 'acme', sinceMs: 0, limit: 5, prefix: 'stg', client: client as never, store });
    expect(searched).toEqual(['stg-summaries-*']);
    expect(top).toEqual([{ count: 7, templateId: 'stg-t', template: undefined }]);
  });
});
