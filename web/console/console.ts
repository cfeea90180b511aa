/**
 * The tenant console (browser side): a read token, a search over a time range with its results, a
 * histogram of events per minute by level, the top templates and a live tail, all through the read
 * API (docs/read-api.md) on the same origin. Built into the page by web/console/build.ts.
 */
interface ApiEvent { time: string; id: string; message: string; level?: string; host?: string }
interface ApiError { error: string; message: string }

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const COLORS: Record<string, string> = { error: '#c62828', critical: '#8e0000', alert: '#8e0000', emergency: '#8e0000', warn: '#f9a825', notice: '#5c6bc0', info: '#2f6fed', debug: '#90a4ae', trace: '#cfd8dc', '(none)': '#b0bec5' };
let nextCursor: string | undefined;
let tailRun = 0;

function token(): string {
  const t = $<HTMLInputElement>('token').value.trim();
  sessionStorage.setItem('sluice-token', t);
  return t;
}

function status(text: string, error = false): void {
  const s = $('status');
  s.textContent = text;
  s.className = error ? 'error' : '';
}

async function api<T>(path: string, params: Record<string, string>): Promise<T> {
  const res = await fetch(`${path}?${new URLSearchParams(params)}`, { headers: { authorization: `Bearer ${token()}` } });
  const body = (await res.json()) as T | ApiError;
  if (!res.ok) throw new Error(`${res.status}: ${(body as ApiError).message}`);
  return body as T;
}

function row(e: ApiEvent): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.dataset.id = e.id;
  for (const [text, cls] of [[e.time, ''], [e.level ?? '', `lvl-${e.level ?? ''}`], [e.host ?? '', ''], [e.message, 'msg']] as const) {
    const td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    tr.append(td);
  }
  return tr;
}

type Minute = { minute: string; events: number; levels: Record<string, number> };

/** The minutes of [from, to) in at most 240 bars (a bar is one minute up to 4 hours, several beyond), empty ones included. */
function slots(minutes: Minute[], fromIso: string, toIso: string): Minute[] {
  const from = Math.floor(Date.parse(fromIso) / 60_000) * 60_000;
  const to = Date.parse(toIso);
  const width = Math.max(1, Math.ceil((to - from) / 60_000 / 240)) * 60_000;
  const bars: Minute[] = [];
  for (let t = from; t < to; t += width) bars.push({ minute: new Date(t).toISOString(), events: 0, levels: {} });
  for (const m of minutes) {
    const bar = bars[Math.floor((Date.parse(m.minute) - from) / width)];
    if (!bar) continue;
    bar.events += m.events;
    for (const [l, n] of Object.entries(m.levels)) bar.levels[l] = (bar.levels[l] ?? 0) + n;
  }
  return bars;
}

function drawHistogram(data: { minutes: Minute[]; from: string; to: string }): void {
  const h = $('histogram');
  h.replaceChildren();
  const minutes = slots(data.minutes, data.from, data.to);
  const max = Math.max(1, ...minutes.map((m) => m.events));
  const seen = new Set<string>();
  for (const m of minutes) {
    const bar = document.createElement('div');
    bar.className = 'bar';
    bar.title = `${m.minute}: ${m.events} events`;
    for (const [level, n] of Object.entries(m.levels)) {
      seen.add(level);
      const seg = document.createElement('div');
      seg.className = 'seg';
      seg.dataset.level = level;
      seg.style.height = `${(n / max) * 88}px`;
      seg.style.background = COLORS[level] ?? '#78909c';
      bar.append(seg);
    }
    h.append(bar);
  }
  const legend = [...seen].map((l) => {
    const swatch = document.createElement('i');
    swatch.style.background = COLORS[l] ?? '#78909c';
    const s = document.createElement('span');
    s.append(swatch, l);
    return s;
  });
  $('legend').replaceChildren(...legend);
}

async function search(more = false): Promise<void> {
  const range = $<HTMLSelectElement>('range').value;
  const params: Record<string, string> = { q: $<HTMLInputElement>('q').value, from: range, size: '100' };
  if (more && nextCursor) params.cursor = nextCursor;
  status('Searching…');
  try {
    const [page, sums, top] = await Promise.all([
      api<{ events: ApiEvent[]; next?: string }>('/v1/search', params),
      more ? undefined : api<{ minutes: Minute[]; from: string; to: string }>('/v1/summaries', { from: range }),
      more ? undefined : api<{ templates: Array<{ templateId: string; count: number; template?: string }> }>('/v1/templates/top', { from: range, limit: '10' }),
    ]);
    const body = $('results').querySelector('tbody')!;
    if (!more) body.replaceChildren();
    body.append(...page.events.map(row));
    nextCursor = page.next;
    $('more').hidden = !nextCursor;
    if (sums) drawHistogram(sums);
    if (top) $('templates').replaceChildren(...top.templates.map((t) => Object.assign(document.createElement('li'), { textContent: `${t.count}  ${t.template ?? t.templateId}`, title: t.templateId })));
    status(`${body.children.length} events${nextCursor ? ' (more below)' : ''}`);
  } catch (err) {
    status((err as Error).message, true);
  }
}

/** The live tail: one call without waiting takes the cursor (the tail is live from then on), then long polls from it. */
async function tail(run: number): Promise<void> {
  let since: string | undefined;
  const state = $('tail-state');
  state.textContent = 'starting…';
  while (run === tailRun) {
    try {
      const out = await api<{ events: ApiEvent[]; cursor: string }>('/v1/tail', { q: $<HTMLInputElement>('q').value, wait: since ? '20' : '0', ...(since ? { since } : {}) });
      if (run !== tailRun) return;
      since = out.cursor;
      state.textContent = 'live';
      const list = $('tail');
      for (const e of out.events) list.prepend(Object.assign(document.createElement('li'), { textContent: `${e.time} ${e.level ?? ''} ${e.message}` }));
    } catch (err) {
      state.textContent = since ? 'live (retrying)' : 'starting…';
      status(`tail: ${(err as Error).message}`, true);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

$<HTMLInputElement>('token').value = sessionStorage.getItem('sluice-token') ?? '';
$('search-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void search();
});
$('more').addEventListener('click', () => void search(true));
$<HTMLInputElement>('tail-toggle').addEventListener('change', (e) => {
  tailRun++;
  if ((e.target as HTMLInputElement).checked) void tail(tailRun);
  else $('tail-state').textContent = '';
});
