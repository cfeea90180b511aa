/**
 * The tenants' query language, parsed into a small tree. Pure, linear in the length of the query,
 * bounded in every dimension before any work is done:
 *
 *   payment failed            words: all of them (implicit AND), matched against the message
 *   "payment failed"          a phrase
 *   level:error               field:value (the fields are listed in translate.ts); field:"a phrase"
 *   template:abc123           the template id
 *   time*                     a prefix (at least 2 characters before the `*`, which must be last)
 *   a AND b, a OR b, NOT a    operators (upper case; NOT binds tightest, then AND, then OR)
 *   (a OR b) c                parentheses
 *   *                         everything (of the tenant, in the time range)
 *
 * What it refuses, with the position: regular expressions (`/re/`), leading or inner wildcards,
 * unbalanced parentheses or quotes, an operator without its operand, a query over `maxLength`
 * characters, more than `maxTerms` terms or parentheses deeper than `maxDepth`. Field names are
 * only read here; whether one may be searched is the translator's decision (translate.ts).
 */

export type QueryNode =
  | { kind: 'all' }
  | { kind: 'term'; field: string | undefined; value: string; phrase: boolean; prefix: boolean; pos: number }
  | { kind: 'and'; children: QueryNode[] }
  | { kind: 'or'; children: QueryNode[] }
  | { kind: 'not'; child: QueryNode };

export interface ParseLimits {
  /** Longest query, in characters (2,048). */
  maxLength: number;
  /** Most terms (words, phrases, field:value) in one query (64). */
  maxTerms: number;
  /** Deepest nesting of parentheses and NOTs (16). */
  maxDepth: number;
}

export const PARSE_LIMITS: Readonly<ParseLimits> = Object.freeze({ maxLength: 2048, maxTerms: 64, maxDepth: 16 });

/** A query that cannot be read: `position` is the 0-based offset of the problem in the query. */
export class QueryParseError extends Error {
  override readonly name = 'QueryParseError';
  constructor(
    readonly position: number,
    problem: string,
  ) {
    super(`Query error at character ${position + 1}: ${problem}`);
  }
}

type Token =
  | { t: 'lp' | 'rp' | 'and' | 'or' | 'not'; pos: number }
  | { t: 'term'; field: string | undefined; value: string; phrase: boolean; pos: number };

const FIELD_NAME = /^[A-Za-z_@][A-Za-z0-9_.@-]*$/;
const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
const isStop = (c: string) => isSpace(c) || c === '(' || c === ')' || c === '"';

/** A quoted phrase starting at `i` (the opening quote); `\"` and `\\` escape. Returns the text and the index after the closing quote. */
function readPhrase(q: string, i: number): { text: string; end: number } {
  const parts: string[] = [];
  let from = i + 1;
  for (let j = from; j < q.length; j++) {
    const c = q.charCodeAt(j);
    if (c === 0x5c /* \\ */ && j + 1 < q.length) {
      parts.push(q.slice(from, j), q[j + 1]!);
      from = ++j + 1;
    } else if (c === 0x22 /* " */) {
      parts.push(q.slice(from, j));
      return { text: parts.join(''), end: j + 1 };
    }
  }
  throw new QueryParseError(i, 'this quote is never closed; close the phrase with a second "');
}

function readWord(q: string, i: number): number {
  let j = i;
  while (j < q.length && !isStop(q[j]!)) j++;
  return j;
}

/** The tokens of the query, in one pass. */
export function tokenize(q: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i]!;
    if (isSpace(c)) { i++; continue; }
    if (c === '(' || c === ')') { out.push({ t: c === '(' ? 'lp' : 'rp', pos: i }); i++; continue; }
    if (c === '"') {
      const p = readPhrase(q, i);
      out.push({ t: 'term', field: undefined, value: p.text, phrase: true, pos: i });
      i = p.end;
      continue;
    }
    const end = readWord(q, i);
    const word = q.slice(i, end);
    const colon = word.indexOf(':');
    const field = colon > 0 ? word.slice(0, colon) : undefined;
    if (field !== undefined && FIELD_NAME.test(field)) {
      if (colon === word.length - 1 && q[end] === '"') {
        const p = readPhrase(q, end);
        out.push({ t: 'term', field, value: p.text, phrase: true, pos: i });
        i = p.end;
        continue;
      }
      if (colon === word.length - 1) throw new QueryParseError(end, `"${field}:" needs a value after the colon (e.g. ${field}:value or ${field}:"a phrase")`);
      out.push({ t: 'term', field, value: word.slice(colon + 1), phrase: false, pos: i });
    } else if (word === 'AND' || word === 'OR' || word === 'NOT') {
      out.push({ t: word === 'AND' ? 'and' : word === 'OR' ? 'or' : 'not', pos: i });
    } else {
      out.push({ t: 'term', field: undefined, value: word, phrase: false, pos: i });
    }
    i = end;
  }
  return out;
}

/** A term's value checked for what the language refuses; returns the term node. */
function termNode(tok: Extract<Token, { t: 'term' }>): QueryNode {
  const { value, pos } = tok;
  if (tok.phrase) {
    if (value.trim() === '') throw new QueryParseError(pos, 'an empty phrase matches nothing; put words between the quotes or remove them');
    return { kind: 'term', field: tok.field, value, phrase: true, prefix: false, pos };
  }
  if (value.length >= 2 && value.startsWith('/') && value.endsWith('/')) {
    throw new QueryParseError(pos, 'regular expressions are not supported; search for words, a "phrase" or a prefix*');
  }
  if (value === '*' && tok.field === undefined) return { kind: 'all' };
  const star = value.indexOf('*');
  if (star === -1) return { kind: 'term', field: tok.field, value, phrase: false, prefix: false, pos };
  if (star !== value.length - 1 || star < 2) {
    const where = star === 0 ? 'a leading wildcard is not supported' : star !== value.length - 1 ? 'a wildcard is only allowed at the end of a word' : 'a prefix needs at least 2 characters before the *';
    throw new QueryParseError(pos + (tok.field ? tok.field.length + 1 : 0) + star, `${where}; write a prefix such as "time*"`);
  }
  return { kind: 'term', field: tok.field, value: value.slice(0, -1), phrase: false, prefix: true, pos };
}

class Parser {
  private i = 0;
  private terms = 0;
  constructor(
    private readonly toks: Token[],
    private readonly limits: ParseLimits,
    private readonly length: number,
  ) {}

  private peek(): Token | undefined {
    return this.toks[this.i];
  }

  private where(): number {
    return this.peek()?.pos ?? this.length;
  }

  parse(): QueryNode {
    const node = this.or(0);
    const rest = this.peek();
    if (rest) throw new QueryParseError(rest.pos, rest.t === 'rp' ? 'this ")" has no matching "("; remove it or add the "("' : 'unexpected text here');
    return node;
  }

  private or(depth: number): QueryNode {
    const children = [this.and(depth)];
    while (this.peek()?.t === 'or') {
      const op = this.toks[this.i++]!;
      if (!this.startsOperand()) throw new QueryParseError(op.pos, 'OR needs a term after it');
      children.push(this.and(depth));
    }
    return children.length === 1 ? children[0]! : { kind: 'or', children };
  }

  private startsOperand(): boolean {
    const t = this.peek()?.t;
    return t === 'term' || t === 'lp' || t === 'not';
  }

  private and(depth: number): QueryNode {
    if (!this.startsOperand()) {
      const t = this.peek();
      throw new QueryParseError(this.where(), t === undefined ? 'the query ends where a term was expected' : t.t === 'rp' ? 'empty parentheses or a ")" where a term was expected' : `${t.t.toUpperCase()} needs a term before it`);
    }
    const children = [this.unary(depth)];
    for (;;) {
      const t = this.peek();
      if (t?.t === 'and') {
        this.i++;
        if (!this.startsOperand()) throw new QueryParseError(t.pos, 'AND needs a term after it');
      } else if (!this.startsOperand()) break;
      children.push(this.unary(depth));
    }
    return children.length === 1 ? children[0]! : { kind: 'and', children };
  }

  private unary(depth: number): QueryNode {
    const t = this.peek()!;
    if (depth >= this.limits.maxDepth) throw new QueryParseError(t.pos, `nested more than ${this.limits.maxDepth} levels deep; simplify the query`);
    if (t.t === 'not') {
      this.i++;
      if (!this.startsOperand()) throw new QueryParseError(t.pos, 'NOT needs a term after it');
      return { kind: 'not', child: this.unary(depth + 1) };
    }
    if (t.t === 'lp') {
      this.i++;
      const inner = this.or(depth + 1);
      if (this.peek()?.t !== 'rp') throw new QueryParseError(t.pos, 'this "(" is never closed; add a ")"');
      this.i++;
      return inner;
    }
    if (++this.terms > this.limits.maxTerms) throw new QueryParseError(t.pos, `more than ${this.limits.maxTerms} terms; split the search or narrow it with fewer terms`);
    this.i++;
    return termNode(t as Extract<Token, { t: 'term' }>);
  }
}

/** The query's tree; an empty (or blank) query is `{ kind: 'all' }`. Throws QueryParseError. */
export function parseQuery(q: string, limits: ParseLimits = PARSE_LIMITS): QueryNode {
  if (q.length > limits.maxLength) throw new QueryParseError(limits.maxLength, `the query is ${q.length} characters long; at most ${limits.maxLength} are allowed`);
  const toks = tokenize(q);
  if (toks.length === 0) return { kind: 'all' };
  return new Parser(toks, limits, q.length).parse();
}
