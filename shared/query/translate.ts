/**
 * A parsed query (parse.ts) into an OpenSearch query, built only from `match`, `match_phrase`,
 * `match_phrase_prefix`, `term`, `prefix` and `bool` on an allow-list of fields. Pure.
 *
 * Nothing a tenant types reaches OpenSearch as syntax: values travel as the value of a clause
 * (never as a `query_string`), field names come from the table below (a name not in it is a 400),
 * and the translator adds no index names, scripts, regular expressions or wildcards. The
 * translation is one clause of the search request, which puts it inside a filter on the tenant
 * (request.ts), so no clause a tenant can write widens what it sees.
 */
import type { QueryNode } from './parse.ts';
import { QueryParseError } from './parse.ts';

type FieldKind = 'text' | 'keyword' | 'lowercase-keyword';

/** Field names a tenant may search, and what each maps to in the log documents (shared/index/template.ts). */
export const SEARCH_FIELDS: Readonly<Record<string, { path: string; kind: FieldKind }>> = Object.freeze({
  message: { path: 'message', kind: 'text' },
  level: { path: 'level', kind: 'lowercase-keyword' },
  format: { path: 'format', kind: 'lowercase-keyword' },
  host: { path: 'host', kind: 'keyword' },
  service: { path: 'service', kind: 'keyword' },
  source: { path: 'source', kind: 'keyword' },
  tag: { path: 'tags', kind: 'keyword' },
  tags: { path: 'tags', kind: 'keyword' },
  flag: { path: 'flags', kind: 'keyword' },
  flags: { path: 'flags', kind: 'keyword' },
  template: { path: 'template_id', kind: 'keyword' },
  id: { path: 'event_id', kind: 'keyword' },
});

/** A key path under the event's own fields: `fields.order.id`. Plain segments only (no `_`-prefixed segment, no wildcards). */
const FIELDS_PATH = /^fields(\.[A-Za-z0-9@-][A-Za-z0-9_@-]{0,63}){1,8}$/;

/** Longest value of one term, in characters (longer cannot be a keyword anyway: `ignore_above` is 1,024). */
export const MAX_VALUE_CHARS = 1024;

export type Dsl = Record<string, unknown>;

function fieldOf(name: string | undefined, pos: number): { path: string; kind: FieldKind } {
  if (name === undefined) return SEARCH_FIELDS.message!;
  const known = SEARCH_FIELDS[name];
  if (known) return known;
  if (FIELDS_PATH.test(name)) return { path: name, kind: 'keyword' };
  const hint =
    name === 'tenant' || name.startsWith('_') || name === '@timestamp' || name === 'received_at'
      ? `"${name}" is not searchable (a search only ever sees your own events, and the time range is set with from/to)`
      : `"${name}" is not a field you can search`;
  throw new QueryParseError(pos, `${hint}; use one of ${Object.keys(SEARCH_FIELDS).join(', ')} or fields.<key>`);
}

function termClause(n: Extract<QueryNode, { kind: 'term' }>): Dsl {
  const f = fieldOf(n.field, n.pos);
  if (n.value.length > MAX_VALUE_CHARS) throw new QueryParseError(n.pos, `a value of more than ${MAX_VALUE_CHARS} characters; search for a shorter part of it`);
  if (f.kind === 'text') {
    if (n.prefix) return { match_phrase_prefix: { [f.path]: { query: n.value, max_expansions: 50 } } };
    if (n.phrase) return { match_phrase: { [f.path]: { query: n.value } } };
    return { match: { [f.path]: { query: n.value, operator: 'and' } } };
  }
  const value = f.kind === 'lowercase-keyword' ? n.value.toLowerCase() : n.value;
  if (n.prefix) return { prefix: { [f.path]: { value } } };
  return { term: { [f.path]: { value } } };
}

/** The OpenSearch clause of a parsed query. Throws QueryParseError (with the position) for a field that may not be searched. */
export function toDsl(node: QueryNode): Dsl {
  switch (node.kind) {
    case 'all':
      return { match_all: {} };
    case 'term':
      return termClause(node);
    case 'and':
      return { bool: { filter: node.children.map(toDsl) } };
    case 'or':
      return { bool: { should: node.children.map(toDsl), minimum_should_match: 1 } };
    case 'not':
      return { bool: { must_not: [toDsl(node.child)] } };
  }
}
