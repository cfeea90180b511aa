import { KIND_PUNCT, KIND_VAR, WILDCARD, dottedParts, sepOf, stringArray, tokenize, valueOf } from './tokenize.ts';
import type { Tokens } from './tokenize.ts';
import { MIN_CONSTANTS, isInstance } from './subsume.ts';

export interface MinerOptions {
  /** Most clusters kept per miner (tenant); the least recently seen are evicted beyond it. Default 2000. */
  maxClusters?: number;
  /** Longest template, in tokens; longer messages keep their first tokens and end in one `<*>`. Default 96. */
  maxTokens?: number;
  /** Return `params` (the values of the `<*>`s) from `add`/`match`. Default false. */
  params?: boolean;
  /** Base similarity threshold (share of a template's constant tokens a message must repeat). Default 0.5. */
  similarity?: number;
  /** How many leading constant tokens (besides the token count) select the candidate clusters. Default 2. */
  depth?: number;
  /**
   * How many values a short plain word may take at one position before it becomes a variable; up to
   * this many, templates that differ only there stay apart (`VM Started|Stopped`, `down true|false`). Default 4.
   */
  maxValues?: number;
  /**
   * Most clusters one leaf (same token count and first words) holds, so the candidates scanned per
   * message are bounded; a new cluster in a full leaf evicts that leaf's least recently seen. Default 64.
   */
  maxCandidates?: number;
  /** Longest template in characters; a longer message keeps its first tokens and ends in one `<*>`. Default 1024. */
  maxTemplateChars?: number;
  /** Most bytes of state (the snapshot's JSON, about) per miner; beyond it the least recently seen are evicted. Default 1 MiB. */
  maxStateBytes?: number;
}

export interface MatchResult {
  templateId: string;
  template: string;
  params?: string[];
}

export interface TemplateInfo {
  templateId: string;
  template: string;
  count: number;
}

/** Plain JSON: the persisted miner state of one tenant. */
export interface MinerState {
  v: 1;
  /** Logical clock (messages added), for least-recently-seen eviction. */
  tick: number;
  /** [templateId, template, count, lastSeenTick], oldest cluster first. */
  clusters: Array<[string, string, number, number]>;
  /** [retiredId, survivingId]: ids of clusters merged into another. */
  aliases: Array<[string, string]>;
}

export interface Miner {
  /** Learns from the message and returns its template (which may generalise later) and stable id. */
  add(message: string): MatchResult;
  /** Finds the template of a message without learning; null when no template matches. */
  match(message: string): MatchResult | null;
  /** Current template of an id (following merges); undefined when unknown or evicted. */
  get(templateId: string): TemplateInfo | undefined;
  /** All templates, most frequent first. */
  templates(): TemplateInfo[];
  /** The state to persist; `createMiner(options, state)` restores it. */
  snapshot(): MinerState;
  /** Number of live clusters. */
  readonly size: number;
  /** Number of aliases (retired ids that resolve to a live cluster); at most `maxClusters`. */
  readonly aliasCount: number;
  /** Bytes of state, about the snapshot's JSON size; at most `maxStateBytes` after each `add`. */
  readonly stateBytes: number;
}

interface Cluster {
  id: string;
  tokens: string[];
  seps: string[];
  kinds: number[];
  tail: string;
  /** Number of constant (non-wildcard) positions. */
  constants: number;
  count: number;
  lastSeen: number;
  /** Creation order, for deterministic merges (the older survives). */
  seq: number;
  /** Bytes this cluster adds to the state (its rendered template plus CLUSTER_OVERHEAD). */
  bytes: number;
  /**
   * What the last `similarity` with a message found: how many constant positions differ from it, and
   * the first of them (-1 when none). `add` reads them for the cluster `find` chose (so its
   * closed-set and generalise steps compare no token again).
   */
  diffs: number;
  firstDiff: number;
  /** The leaf (token count and first words) the cluster is a candidate in. */
  leaf: Leaf;
  template: string | null;
}

/**
 * The clusters sharing a token count and first `depth` words (Drain's fixed-depth tree, flattened):
 * the candidates for a message. Found by a number hashed from those (no key string built per
 * message); leaves whose hashes collide are chained.
 */
interface Leaf {
  size: number;
  words: string[];
  hash: number;
  clusters: Cluster[];
  next: Leaf | null;
}

const DEFAULTS = {
  maxClusters: 2000,
  maxTokens: 96,
  similarity: 0.7,
  depth: 2,
  maxValues: 4,
  maxCandidates: 64,
  maxTemplateChars: 1024,
  maxStateBytes: 1024 * 1024,
};

/** Bytes a cluster adds to the snapshot's JSON besides its template: id, count, last seen, brackets, quotes. */
const CLUSTER_OVERHEAD = 48;
/** Bytes of one alias in the snapshot: two ids, brackets, quotes. */
const ALIAS_BYTES = 40;

/** Longest word the closed-set rule considers (a state, a verb, a flag). */
const MAX_PLAIN = 24;

/**
 * A message that differs from a template in this many constant words in a row says something else
 * (`could not resolve` / `attempt failed with`): a variable is one token (the tokeniser joins the
 * tokens of a masked value), so adjacent differing words, with nothing between, are a different
 * phrase, not a value.
 */
const MAX_DIFF_RUN = 3;

/** A message is tokenised up to this many times `maxTokens` tokens (its cost bounded, issue 15). */
const TOKEN_LIMIT_FACTOR = 8;

/** Index just past the last non-whitespace character of s (0 when blank). */
function lastNonSpace(s: string): number {
  let e = s.length;
  while (e > 0) {
    const c = s.charCodeAt(e - 1);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0b && c !== 0x0c && c !== 0xa0 && c !== 0x3000 && !(c >= 0x2000 && c <= 0x200b)) break;
    e--;
  }
  return e;
}

/** Letters only, 1 to MAX_PLAIN of them; a sentence's final `.` after them does not count. */
function isPlainWord(w: string): boolean {
  const n = w.length > 1 && w.charCodeAt(w.length - 1) === 46 ? w.length - 1 : w.length;
  if (n === 0 || n > MAX_PLAIN) return false;
  for (let i = 0; i < n; i++) {
    const c = w.charCodeAt(i) | 32;
    if (c < 97 || c > 122) return false;
  }
  return true;
}

/** a and b equal at every position but p. */
function sameBut(a: readonly string[], b: readonly string[], p: number): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (i !== p && a[i] !== b[i]) return false;
  return true;
}

/** 64-bit FNV-1a over UTF-16 code units, as 16 hex characters. */
export function hashId(s: string): string {
  let h1 = 0x811c9dc5 | 0;
  let h2 = 0x050c5d1f | 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x01000193) ^ (h2 >>> 15);
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

/**
 * A copy of s that holds its own characters. A word sliced from a message is, from 13 characters
 * on, a view into the whole text it came from (V8's sliced strings): kept in a template, it would
 * keep that text (the event, or the batch it was read from) alive as long as the cluster.
 */
function ownString(s: string): string {
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}

/** Separators are kept for display only; a long run of whitespace is shortened to bound the state. */
function capSep(sep: string): string {
  return sep.length <= 8 ? sep : sep.slice(0, 8);
}

function render(tokens: readonly string[], seps: readonly string[], tail: string): string {
  let s = '';
  for (let i = 0; i < tokens.length; i++) s += seps[i]! + tokens[i]!;
  return s + tail;
}

export function createMiner(options: MinerOptions = {}, state?: MinerState): Miner {
  return new DrainMiner(options, state);
}

/** The miner of one tenant: its options, its leaves of clusters, its aliases and its logical clock. */
class DrainMiner implements Miner {
  private readonly maxClusters: number;
  private readonly maxTokens: number;
  private readonly baseSim: number;
  private readonly depth: number;
  private readonly wantParams: boolean;
  private readonly maxValues: number;
  private readonly maxCandidates: number;
  private readonly maxTemplateChars: number;
  private readonly maxStateBytes: number;
  /** Tokens read from a message at most: enough that collapsing runs rarely reaches it, bounded per message. */
  private readonly tokenLimit: number;

  private readonly leaves = new Map<number, Leaf>();
  /** The leaf words of the message being looked up (`leafHash` fills it). */
  private readonly keyWords: string[] = stringArray();
  private readonly byId = new Map<string, Cluster>();
  private readonly aliases = new Map<string, string>();
  private tick = 0;
  private seq = 0;
  /** Bytes of state: clusters' `bytes` plus ALIAS_BYTES per alias. */
  private bytes = 0;

  constructor(options: MinerOptions, state: MinerState | undefined) {
    this.maxClusters = Math.max(1, options.maxClusters ?? DEFAULTS.maxClusters);
    this.maxTokens = Math.max(4, options.maxTokens ?? DEFAULTS.maxTokens);
    this.baseSim = options.similarity ?? DEFAULTS.similarity;
    this.depth = options.depth ?? DEFAULTS.depth;
    this.wantParams = options.params ?? false;
    this.maxValues = Math.max(1, options.maxValues ?? DEFAULTS.maxValues);
    this.maxCandidates = Math.max(this.maxValues + 1, options.maxCandidates ?? DEFAULTS.maxCandidates);
    this.maxTemplateChars = Math.max(16, options.maxTemplateChars ?? DEFAULTS.maxTemplateChars);
    this.maxStateBytes = Math.max(4096, options.maxStateBytes ?? DEFAULTS.maxStateBytes);
    this.tokenLimit = TOKEN_LIMIT_FACTOR * this.maxTokens;
    if (state) this.restore(state);
  }

  private prepare(message: string): Tokens {
    const t = tokenize(message, undefined, true, this.tokenLimit);
    const keep = this.kept(t);
    if (keep < t.tokens.length) {
      // Keep the first tokens; the rest becomes one trailing variable, which ends where the last
      // token would have ended: at the last non-whitespace character.
      const start = t.starts[keep]!;
      let end = t.cut ? lastNonSpace(message) : t.ends[t.ends.length - 1]!;
      t.tokens.length = keep;
      t.kinds.length = keep;
      t.starts.length = keep;
      t.ends.length = keep;
      if (end < start) end = start;
      t.tokens.push(WILDCARD);
      t.kinds.push(KIND_VAR);
      t.starts.push(start);
      t.ends.push(end);
    }
    return t;
  }

  /**
   * How many of the message's tokens a template keeps: all when within this.maxTokens and this.maxTemplateChars
   * (as rendered: separators capped, tokens as in the template), else the first ones within both
   * bounds less one, the last position then being the trailing `<*>`.
   */
  private kept(t: Tokens): number {
    const n = t.tokens.length;
    // Short enough whatever it renders to: each token renders to at most its text or `<*>`.
    if (n <= this.maxTokens && !t.cut && t.text.length + WILDCARD.length * n <= this.maxTemplateChars - 8 - WILDCARD.length) return n;
    let chars = 0;
    // Tokens whose prefix this.leaves room for a separator and the trailing `<*>`.
    let fit = 0;
    for (let i = 0; i < n; i++) {
      const from = i === 0 ? 0 : t.ends[i - 1]!;
      chars += Math.min(8, t.starts[i]! - from) + t.tokens[i]!.length;
      if (chars <= this.maxTemplateChars - 8 - WILDCARD.length) fit = i + 1;
      else if (chars > this.maxTemplateChars) return Math.max(1, Math.min(fit, this.maxTokens - 1));
    }
    return n > this.maxTokens ? this.maxTokens - 1 : n;
  }

  /**
   * The leaf words of t (its first `depth` non-punctuation tokens) into this.keyWords, and their hash
   * with the token count.
   */
  private leafHash(t: { tokens: string[]; kinds: number[] }): number {
    const tokens = t.tokens;
    const words = this.keyWords;
    while (words.length > 0) words.pop(); // (setting `length` is a runtime call)
    let h = Math.imul(0x811c9dc5 ^ tokens.length, 0x01000193);
    for (let i = 0; i < tokens.length && words.length < this.depth; i++) {
      if (t.kinds[i] === KIND_PUNCT) continue;
      let w = tokens[i]!;
      // A dotted name of 3+ parts (host, package, property) does not select the leaf: it is often a
      // value (a source, a host), and the similarity still compares it.
      if (dottedParts(w, 0, w.length) >= 3) w = WILDCARD;
      words.push(w);
      h = Math.imul(h ^ 0x10001, 0x01000193);
      for (let j = 0; j < w.length; j++) h = Math.imul(h ^ w.charCodeAt(j), 0x01000193);
    }
    // A small integer: a Map key V8 hashes without a heap number.
    return h & 0x3fffffff;
  }

  /** The leaf of t's token count and words (as `leafHash` left them), or null. */
  private leafOf(t: { tokens: string[] }, hash: number): Leaf | null {
    const words = this.keyWords;
    for (let leaf = this.leaves.get(hash) ?? null; leaf !== null; leaf = leaf.next) {
      if (leaf.size !== t.tokens.length || leaf.words.length !== words.length) continue;
      let same = true;
      for (let j = 0; j < words.length; j++) {
        if (leaf.words[j] !== words[j]) {
          same = false;
          break;
        }
      }
      if (same) return leaf;
    }
    return null;
  }

  /** The leaf of t, made (empty) when there is none. */
  private leafFor(t: { tokens: string[]; kinds: number[] }): Leaf {
    const hash = this.leafHash(t);
    const found = this.leafOf(t, hash);
    if (found) return found;
    const leaf: Leaf = { size: t.tokens.length, words: this.keyWords.map(ownString), hash, clusters: [], next: this.leaves.get(hash) ?? null };
    this.leaves.set(hash, leaf);
    return leaf;
  }

  /** Takes an emptied leaf out of its chain. */
  private dropLeaf(leaf: Leaf): void {
    const head = this.leaves.get(leaf.hash);
    if (head === leaf) {
      if (leaf.next === null) this.leaves.delete(leaf.hash);
      else this.leaves.set(leaf.hash, leaf.next);
      return;
    }
    for (let p = head ?? null; p !== null; p = p.next) {
      if (p.next === leaf) {
        p.next = leaf.next;
        return;
      }
    }
  }

  private threshold(c: Cluster): number {
    return this.baseSim;
  }

  /** Similarity of message tokens to a cluster's template, -1 when incompatible. */
  private similarity(c: Cluster, t: Tokens): number {
    const ct = c.tokens;
    const mt = t.tokens;
    let same = 0;
    let total = 0;
    // Adjacent constant words (no punctuation or variable between) that the message does not repeat.
    let run = 0;
    let lastDiff = -2;
    let firstDiff = -1;
    const ck = c.kinds;
    for (let i = 0; i < ct.length; i++) {
      const a = ct[i]!;
      if (a === WILDCARD) continue;
      if (ck[i] === KIND_PUNCT) {
        // Punctuation is the message's skeleton: it must match, and does not add to the similarity.
        if (a !== mt[i]) return -1;
        continue;
      }
      total++;
      if (a === mt[i]) same++;
      else {
        run = i === lastDiff + 1 ? run + 1 : 1;
        lastDiff = i;
        if (firstDiff < 0) firstDiff = i;
        if (run >= MAX_DIFF_RUN) return -1;
      }
    }
    c.diffs = total - same;
    c.firstDiff = firstDiff;
    return total === 0 ? 1 : same / total;
  }

  private bestIn(list: Cluster[] | undefined, t: Tokens): Cluster | null {
    if (!list) return null;
    let best: Cluster | null = null;
    let bestSim = -1;
    for (const c of list) {
      const s = this.similarity(c, t);
      if (s >= this.threshold(c) && (s > bestSim || (s === bestSim && best !== null && c.seq < best.seq))) {
        best = c;
        bestSim = s;
      }
    }
    return best;
  }

  private templateOf(c: Cluster): string {
    if (c.template === null) c.template = render(c.tokens, c.seps, c.tail);
    return c.template;
  }

  private result(c: Cluster, t: Tokens): MatchResult {
    const r: MatchResult = { templateId: c.id, template: this.templateOf(c) };
    if (this.wantParams) {
      const params: string[] = [];
      for (let i = 0; i < c.tokens.length; i++) if (c.tokens[i] === WILDCARD) params.push(i < t.tokens.length ? valueOf(t, i) : '');
      r.params = params;
    }
    return r;
  }

  private newCluster(t: Tokens, id: string | null, count: number, lastSeen: number): Cluster {
    let constants = 0;
    for (const tok of t.tokens) if (tok !== WILDCARD) constants++;
    const c: Cluster = {
      id: '',
      tokens: t.tokens.map(ownString),
      seps: t.tokens.map((_, i) => capSep(sepOf(t, i))),
      kinds: t.kinds.slice(),
      tail: capSep(sepOf(t, t.tokens.length)),
      constants,
      diffs: 0,
      firstDiff: -1,
      count,
      lastSeen,
      seq: this.seq++,
      leaf: this.leafFor(t),
      template: null,
      bytes: 0,
    };
    c.bytes = this.templateOf(c).length + CLUSTER_OVERHEAD;
    if (id === null) {
      // Stable id: a hash of the first-seen masked template; a collision with a live id gets a suffix.
      const base = hashId(this.templateOf(c));
      id = base;
      for (let n = 2; this.byId.has(id) || this.aliases.has(id); n++) id = `${base}-${n}`;
    }
    c.id = id;
    const list = c.leaf.clusters;
    // A full leaf gives up its least recently seen cluster: the candidates scanned per message stay bounded.
    // (Aliases to it stay until this.evict() or the alias cap drops them; `get` of one answers undefined.)
    if (list.length >= this.maxCandidates) this.removeCluster(this.leastRecent(list));
    list.push(c);
    this.byId.set(id, c);
    this.bytes += c.bytes;
    return c;
  }

  /** The least recently seen cluster of a (non-empty) list; ties: the lowest count, then the oldest. */
  private leastRecent(list: readonly Cluster[]): Cluster {
    let worst = list[0]!;
    for (const o of list) {
      if (o.lastSeen < worst.lastSeen || (o.lastSeen === worst.lastSeen && o.count < worst.count)) worst = o;
    }
    return worst;
  }

  /** `retired` is now `survivor` (and so is every id that pointed at `retired`); at most this.maxClusters this.aliases, oldest dropped first. */
  private addAlias(retired: string, survivor: string): void {
    for (const [a, b] of this.aliases) if (b === retired) this.aliases.set(a, survivor);
    if (!this.aliases.has(retired)) this.bytes += ALIAS_BYTES;
    this.aliases.set(retired, survivor);
    while (this.aliases.size > this.maxClusters) this.deleteAlias(this.aliases.keys().next().value!);
  }

  private deleteAlias(a: string): void {
    if (this.aliases.delete(a)) this.bytes -= ALIAS_BYTES;
  }

  private removeCluster(c: Cluster): void {
    this.bytes -= c.bytes;
    this.byId.delete(c.id);
    const list = c.leaf.clusters;
    const i = list.indexOf(c);
    if (i >= 0) {
      list.splice(i, 1);
      if (list.length === 0) this.dropLeaf(c.leaf);
    }
  }

  /** Generalises c's template with the message; true when the template changed. */
  private generalise(c: Cluster, t: Tokens): boolean {
    let changed = false;
    for (let i = 0; i < c.tokens.length; i++) {
      if (c.tokens[i] !== WILDCARD && c.tokens[i] !== t.tokens[i]) {
        const delta = WILDCARD.length - c.tokens[i]!.length;
        c.bytes += delta;
        if (this.byId.get(c.id) === c) this.bytes += delta;
        c.tokens[i] = WILDCARD;
        c.kinds[i] = KIND_VAR;
        c.constants--;
        changed = true;
      }
    }
    if (changed) c.template = null;
    return changed;
  }

  /** After c generalised: merge any cluster in its leaf whose template is now identical into the older one. */
  private mergeConverged(c: Cluster): Cluster {
    const list = c.leaf.clusters;
    const tpl = this.templateOf(c);
    for (const o of list) {
      if (o === c || this.templateOf(o) !== tpl) continue;
      const [keep, drop] = o.seq < c.seq ? [o, c] : [c, o];
      keep.count += drop.count;
      keep.lastSeen = Math.max(keep.lastSeen, drop.lastSeen);
      this.removeCluster(drop);
      this.addAlias(drop.id, keep.id);
      return keep;
    }
    return c;
  }

  /**
   * After c's template changed (it generalised or absorbed another): c takes the id its template
   * hashes to, and its old id becomes an alias. So an id is a function of the template (the same
   * template has the same id whatever order its lines came in, on any instance or run), and every id
   * handed out before still resolves (`get`) to the current template. Kept when another live cluster
   * holds that id, or an alias of it leads elsewhere.
   */
  private rekey(c: Cluster): Cluster {
    const target = hashId(this.templateOf(c));
    if (c.id === target || this.byId.get(c.id) !== c || this.byId.has(target)) return c;
    const via = this.aliases.get(target);
    if (via !== undefined && via !== c.id) return c;
    this.deleteAlias(target);
    const old = c.id;
    this.byId.delete(old);
    c.id = target;
    this.byId.set(target, c);
    this.addAlias(old, target);
    return c;
  }

  /**
   * After g generalised: every other cluster of its leaf that is now an instance of g (the same tokens
   * but one, where g has `<*>`: a value kept apart as a possible closed-set member before the
   * position became a variable, `user oracle from <*>` beside `user <*> from <*>`) merges into g,
   * its id an alias, the same rule as the batch pass (subsume.ts). Otherwise its value would stay a
   * template of its own, and which values do depends on the order of the lines.
   */
  private absorbInstances(g: Cluster): Cluster {
    if (g.constants < MIN_CONSTANTS) return g;
    const list = g.leaf.clusters;
    for (let k = list.length - 1; k >= 0; k--) {
      const o = list[k]!;
      if (o === g || o.tokens.length !== g.tokens.length || !isInstance(o.tokens, g.tokens)) continue;
      g.count += o.count;
      g.lastSeen = Math.max(g.lastSeen, o.lastSeen);
      this.removeCluster(o);
      this.addAlias(o.id, g.id);
    }
    return g;
  }

  /** mergeConverged until no cluster of the leaf has the same template. */
  private mergeAll(c: Cluster): Cluster {
    for (;;) {
      const k = this.mergeConverged(c);
      if (k === c && !this.hasTwin(c)) return c;
      c = k;
    }
  }

  private hasTwin(c: Cluster): boolean {
    const tpl = this.templateOf(c);
    for (const o of c.leaf.clusters) if (o !== c && this.templateOf(o) === tpl) return true;
    return false;
  }

  private evict(): void {
    if (this.byId.size <= this.maxClusters && this.bytes <= this.maxStateBytes) return;
    // Evict in a batch (10%) the least recently seen, so eviction is amortised O(log n) per message.
    const all = [...this.byId.values()].sort((a, b) => a.lastSeen - b.lastSeen || a.count - b.count);
    const target = Math.floor(this.maxClusters * 0.9);
    const targetBytes = Math.floor(this.maxStateBytes * 0.9);
    for (let i = 0; i < all.length - 1 && (this.byId.size > target || this.bytes > targetBytes); i++) this.removeCluster(all[i]!);
    // Aliases pointing at a cluster no longer live go with it.
    for (const [a, b] of this.aliases) if (!this.byId.has(b)) this.deleteAlias(a);
  }

  private find(t: Tokens): Cluster | null {
    const leaf = this.leafOf(t, this.leafHash(t));
    return leaf === null ? null : this.bestIn(leaf.clusters, t);
  }

  /**
   * When the message differs from c's template at exactly one constant position, and there both are
   * short plain words (`Started`/`Paused`, `true`/`false`, `GET`/`POST`): that position; else -1.
   */
  private wordDiff(c: Cluster, t: Tokens): number {
    // `find` chose c by `similarity`, which counted the differing constant positions (punctuation
    // all matched: it must) and kept the first.
    if (c.diffs !== 1) return -1;
    const at = c.firstDiff;
    if (t.kinds[at] === KIND_VAR || !isPlainWord(c.tokens[at]!) || !isPlainWord(t.tokens[at]!)) return -1;
    return at;
  }

  /** Clusters of c's leaf whose template equals c's except for a plain word at position p (c included). */
  private siblings(c: Cluster, p: number): Cluster[] {
    const out: Cluster[] = [];
    for (const o of c.leaf.clusters) {
      if (o !== c && !sameBut(o.tokens, c.tokens, p)) continue;
      if (o.tokens[p] !== WILDCARD && isPlainWord(o.tokens[p]!)) out.push(o);
    }
    return out;
  }

  add(message: string): MatchResult {
    this.tick++;
    const t = this.prepare(message);
    let c = this.find(t);
    if (c) {
      const p = this.wordDiff(c, t);
      if (p >= 0) {
        const sibs = this.siblings(c, p);
        if (sibs.length < this.maxValues) {
          // A new value of a word that so far took few: keep it apart (a closed set such as a state).
          c = this.newCluster(t, null, 1, this.tick);
          this.evict();
          return this.result(c, t);
        }
        // One value too many: the position is a variable; generalise the siblings and merge them.
        c.count++;
        c.lastSeen = this.tick;
        for (const o of sibs) if (o !== c && this.generalise(o, t)) this.mergeConverged(o);
        const live = this.byId.get(c.id) === c ? c : this.resolve(c.id)!;
        this.generalise(live, t);
        c = this.absorbInstances(this.rekey(this.mergeAll(live)));
        return this.result(c, t);
      }
      c.count++;
      c.lastSeen = this.tick;
      // The message repeats every constant of c (most do, once the templates are learnt): nothing to generalise.
      if (c.diffs > 0 && this.generalise(c, t)) c = this.absorbInstances(this.rekey(this.mergeConverged(c)));
    } else {
      c = this.newCluster(t, null, 1, this.tick);
      this.evict();
    }
    return this.result(c, t);
  }

  match(message: string): MatchResult | null {
    const t = this.prepare(message);
    const c = this.find(t);
    return c ? this.result(c, t) : null;
  }

  private resolve(id: string): Cluster | undefined {
    const direct = this.byId.get(id);
    if (direct) return direct;
    const a = this.aliases.get(id);
    return a === undefined ? undefined : this.byId.get(a);
  }

  /** Restores a snapshot (`MinerState`) into the empty miner. */
  private restore(state: MinerState): void {
    if (state.v !== 1) throw new Error(`unsupported miner state version ${String(state.v)}`);
    this.tick = state.tick;
    for (const [id, template, count, lastSeen] of state.clusters) {
      const t = tokenize(template, { collapse: false });
      this.newCluster(t, id, count, lastSeen);
    }
    for (const [a, b] of state.aliases) {
      if (!this.byId.has(b) || this.aliases.has(a)) continue;
      this.aliases.set(a, b);
      this.bytes += ALIAS_BYTES;
    }
    while (this.aliases.size > this.maxClusters) this.deleteAlias(this.aliases.keys().next().value!);
    this.evict();
  }

  get(templateId: string): TemplateInfo | undefined {
    const c = this.resolve(templateId);
    return c ? { templateId: c.id, template: this.templateOf(c), count: c.count } : undefined;
  }

  templates(): TemplateInfo[] {
    return [...this.byId.values()]
      .sort((a, b) => b.count - a.count || a.seq - b.seq)
      .map((c) => ({ templateId: c.id, template: this.templateOf(c), count: c.count }));
  }

  snapshot(): MinerState {
    const clusters = [...this.byId.values()].sort((a, b) => a.seq - b.seq);
    return {
      v: 1,
      tick: this.tick,
      clusters: clusters.map((c) => [c.id, this.templateOf(c), c.count, c.lastSeen]),
      aliases: [...this.aliases],
    };
  }

  get size(): number {
    return this.byId.size;
  }

  get aliasCount(): number {
    return this.aliases.size;
  }

  get stateBytes(): number {
    return this.bytes;
  }
}
