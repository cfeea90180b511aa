/**
 * Generic tokeniser and masker for log message bodies (header already removed).
 *
 * One pass over the characters, no regular expressions. A message becomes a sequence of tokens, each
 * with the separator text that preceded it (so a template can be printed back with its original
 * spacing) and a kind:
 *
 *  - WORD: a run of "word" characters (letters, digits and `. / - _ @ # $ % + * ! ? & ~ ^ \``),
 *  - PUNCT: one structural punctuation character, split off on its own: `= : , ; ( ) [ ] { } < > | " '`,
 *  - VAR: a word recognised as a variable, shown as `<*>` in templates.
 *
 * Masking (what makes a word a VAR) uses only rules that hold for logs in general:
 *  - the word contains a decimal digit (numbers, ids, hex with digits, IPs, versions, times, sizes),
 *  - hexadecimal of 8+ characters or `0x...`, or any word longer than 80 characters,
 *  - a URL (`scheme://...`, masked whole before splitting on `:`), an absolute path with 2+ segments,
 *  - a whole whitespace-delimited word that is an address such as `host:port`, `ip:port`, an IPv6
 *    address, a UUID or a `key=value` whose value has a digit, collapses into as few VARs as possible
 *    (the split on `:` or `=` still separates a constant key from its value),
 *  - a dotted host name with a port (`www.example.org:443`), a bound (`<1`), a byte size with its unit
 *    (`1.2 MB`), a quoted value with spaces after `=`; an optional quantity in parentheses after a
 *    token (`1190 bytes (1.16 KB)`) is folded into that token.
 * Everything else is kept as a constant candidate; the miner decides by similarity.
 */

export const WILDCARD = '<*>';

export const KIND_WORD = 0;
export const KIND_PUNCT = 1;
export const KIND_VAR = 2;

export interface Tokens {
  /** The message. */
  text: string;
  /** Token texts; VAR tokens hold WILDCARD. */
  tokens: string[];
  kinds: number[];
  /** Offsets of each token in `text`: [starts[i], ends[i]). */
  starts: number[];
  ends: number[];
  /** True when tokenising stopped at the token limit before the end of `text`. */
  cut: boolean;
}

/** Original text of token i (the value of a VAR). */
export function valueOf(t: Tokens, i: number): string {
  return t.text.slice(t.starts[i]!, t.ends[i]!);
}

/** Separator text (usually whitespace, often '') before token i; i = tokens.length gives the tail. */
export function sepOf(t: Tokens, i: number): string {
  const from = i === 0 ? 0 : t.ends[i - 1]!;
  const to = i < t.tokens.length ? t.starts[i]! : t.text.length;
  return t.text.slice(from, to);
}

// Character classes: 0 = word, 1 = split punctuation, 2 = whitespace.
const CLASS = new Uint8Array(128);
for (const c of '=:,;()[]{}<>|"\'') CLASS[c.charCodeAt(0)] = 1;
for (const c of ' \t\n\r\f\v') CLASS[c.charCodeAt(0)] = 2;

function charClass(code: number): number {
  if (code < 128) return CLASS[code]!;
  // Non-ASCII whitespace (NBSP, ideographic space, ...) separates; anything else is a word character.
  if (code === 0xa0 || code === 0x3000 || (code >= 0x2000 && code <= 0x200b)) return 2;
  return 0;
}

/**
 * What the chunk scan needs of a UTF-16 code unit, in one table look-up (no branch per class):
 * split punctuation, whitespace, a digit, a word character that is no hex digit, `/`, `:`.
 */
const F_PUNCT = 1;
const F_SPACE = 2;
const F_DIGIT = 4;
const F_NONHEX = 8;
const F_SLASH = 16;
const F_COLON = 32;
const FLAGS = new Uint8Array(65536);
for (let c = 0; c < 65536; c++) {
  const k = charClass(c);
  FLAGS[c] = k === 2 ? F_SPACE : k === 1 ? F_PUNCT | (c === 58 ? F_COLON : 0) : isDigit(c) ? F_DIGIT : (isHex(c) ? 0 : F_NONHEX) | (c === 47 ? F_SLASH : 0);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/**
 * The code units of the message being tokenised. Every scan reads them from here, not with
 * `charCodeAt`: a message is a slice of its line (V8's sliced string), and each `charCodeAt` on one
 * finds its parent string again (a loop over its representations), where a typed array is one load.
 * They are copied in one native call (`Buffer.write` as UTF-16LE: every code unit as it is, lone
 * surrogates included), a sixth of the cost of a `charCodeAt` loop. One index past the text holds
 * SENTINEL, which no test compares against, as `charCodeAt` gives NaN there (the scans read at most
 * one past the end: `(` after a word, `*` after a `<`).
 */
const SENTINEL = 0xffff;
/**
 * Messages shorter than this many code units share one buffer (at most 256 KB, kept); longer ones
 * get their own (a 64 KB message allocating 128 KB per call made its cost grow faster than its length).
 */
const MAX_SHARED_CODES = 1 << 17;
/** UTF-16LE is the typed array's own byte order (else the copy is a loop). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
let sharedCodes = new Uint16Array(1024);
let sharedBytes = bytesOf(sharedCodes);

function bytesOf(codes: Uint16Array): Buffer {
  return Buffer.from(codes.buffer, codes.byteOffset, codes.byteLength);
}

/** `text`'s code units then SENTINEL, in the shared buffer (grown to fit) or, for a huge text, a buffer of its own. */
function codesOf(text: string): Uint16Array {
  const n = text.length;
  let codes = sharedCodes;
  let bytes = sharedBytes;
  if (n >= codes.length) {
    let size = codes.length;
    while (size <= n) size *= 2;
    codes = new Uint16Array(n >= MAX_SHARED_CODES ? n + 1 : size);
    bytes = bytesOf(codes);
    if (n < MAX_SHARED_CODES) {
      sharedCodes = codes;
      sharedBytes = bytes;
    }
  }
  if (LITTLE_ENDIAN) bytes.write(text, 0, 2 * n, 'utf16le');
  else for (let i = 0; i < n; i++) codes[i] = text.charCodeAt(i);
  codes[n] = SENTINEL;
  return codes;
}

/** Index of code unit c in codes[from, to), or -1. */
function indexIn(codes: Uint16Array, c: number, from: number, to: number): number {
  for (let i = from; i < to; i++) if (codes[i]! === c) return i;
  return -1;
}

/** A literal `<*>` at i (a rendered template read back). */
function isWildcardAt(codes: Uint16Array, i: number): boolean {
  return codes[i]! === 60 && codes[i + 1]! === 42 && codes[i + 2]! === 62;
}

/** Longest word kept as a constant; longer words are variables. */
const MAX_WORD = 80;

/**
 * A whitespace-delimited chunk [s, e) that as a whole is one variable even though it holds split
 * punctuation: a URL, an IPv6 address, a UUID-like or MAC-like token of hex groups.
 */
function chunkIsAtomicVariable(codes: Uint16Array, s: number, e: number): boolean {
  // URL: letters then "://".
  let i = s;
  while (i < e) {
    const c = codes[i]!;
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46) i++;
    else break;
  }
  if (i > s && i + 2 < e && codes[i]! === 58 && codes[i + 1]! === 47 && codes[i + 2]! === 47) {
    return true;
  }
  // An absolute path with a query string (`/a/b?k=v&k2=v2`): the request target of a URL, one value.
  if (codes[s]! === 47 && isPathWithQuery(codes, s, e)) return true;
  // A short label glued to a parenthesised number or address (`LOCAL(127.0.0.1)`, `eth0(10.0.0.1)`).
  if (isLabelledValue(codes, s, e)) return true;
  // Groups of hex digits joined by ':' (IPv6, MAC), at least 3 groups, with a digit somewhere.
  let groups = 1;
  let digit = false;
  let ok = true;
  let run = 0;
  for (let j = s; j < e; j++) {
    const c = codes[j]!;
    if (c === 58) {
      groups++;
      if (run > 4) ok = false;
      run = 0;
    } else if (isHex(c)) {
      if (isDigit(c)) digit = true;
      run++;
    } else {
      ok = false;
      break;
    }
  }
  if (ok && digit && groups >= 3 && run <= 4) return true;
  return false;
}

/** `label(value)`: 1-16 letters/digits, `(`, a value of digits, dots and colons with a digit, `)` ending the chunk. */
function isLabelledValue(codes: Uint16Array, s: number, e: number): boolean {
  if (codes[e - 1]! !== 41) return false;
  let j = s;
  while (j < e && j - s <= 16) {
    const c = codes[j]!;
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || isDigit(c)) j++;
    else break;
  }
  if (j === s || j - s > 16 || codes[j]! !== 40 || e - j < 3) return false;
  let digit = false;
  for (let k = j + 1; k < e - 1; k++) {
    const c = codes[k]!;
    if (isDigit(c)) digit = true;
    else if (c !== 46 && c !== 58) return false;
  }
  return digit;
}

/** `/seg/seg?query`: a `/` start, another `/` before a `?`, and the `?` followed by a `=`. */
function isPathWithQuery(codes: Uint16Array, s: number, e: number): boolean {
  let slashes = 0;
  for (let j = s; j < e; j++) {
    const c = codes[j]!;
    if (c === 47) slashes++;
    else if (c === 63) return slashes >= 2 && indexIn(codes, 61, j + 1, e) >= 0;
    else if (c === 32 || c === 34 || c === 39) return false;
  }
  return false;
}

const DATE_WORDS = new Set(
  'jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july august september october november december mon tue tues wed thu thur thurs fri sat sun monday tuesday wednesday thursday friday saturday sunday'.split(
    ' ',
  ),
);

/**
 * A set of lower-case ASCII words by (length, first letter), for `inWordSet`: the same answer as
 * `set.has(text.slice(s, e).toLowerCase())` without a string per look-up. The only non-ASCII
 * characters that lower-case to ASCII are U+212A KELVIN SIGN (`k`) and U+0130 (`i` + U+0307, which
 * no word holds).
 */
function wordTable(words: Iterable<string>): Array<string[] | undefined> {
  const t: Array<string[] | undefined> = [];
  for (const w of words) {
    for (let i = 0; i < w.length; i++) {
      const c = w.charCodeAt(i);
      if (c < 97 || c > 122) throw new Error(`word table: ${w}`);
    }
    const k = w.length * 128 + w.charCodeAt(0);
    for (let j = t.length; j <= k; j++) t.push(undefined);
    let list = t[k];
    if (!list) t[k] = list = [];
    list.push(w);
  }
  return t;
}

/** `c` lower-cased when ASCII (or the Kelvin sign), else -1. */
function lowerAscii(c: number): number {
  if (c < 128) return c >= 65 && c <= 90 ? c | 32 : c;
  return c === 0x212a ? 107 : -1;
}

function inWordSet(table: Array<string[] | undefined>, codes: Uint16Array, s: number, e: number): boolean {
  const c0 = lowerAscii(codes[s]!);
  if (c0 < 0) return false;
  const k = (e - s) * 128 + c0;
  if (k >= table.length) return false;
  const list = table[k];
  if (list === undefined) return false;
  outer: for (let j = 0; j < list.length; j++) {
    const w = list[j]!;
    for (let i = 1; i < w.length; i++) {
      if (lowerAscii(codes[s + i]!) !== w.charCodeAt(i)) continue outer;
    }
    return true;
  }
  return false;
}

function isAllDigits(codes: Uint16Array, s: number, e: number): boolean {
  if (s >= e) return false;
  for (let i = s; i < e; i++) if (!isDigit(codes[i]!)) return false;
  return true;
}

/** Parts of a dotted name (`a.b.c` -> 3), 0 when the word is not one. */
export function dottedParts(text: string, s: number, e: number): number {
  // isDottedName's test and the count of dots in one pass.
  if (e - s < 3) return 0;
  let dots = 0;
  for (let i = s; i < e; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (i === s || i === e - 1 || text.charCodeAt(i - 1) === 46) return 0;
      dots++;
    } else if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || isDigit(c) || c === 45 || c === 95)) return 0;
  }
  return dots === 0 ? 0 : dots + 1;
}

/** `a.b`, `www.example.com`, `org.example.Main`: letters, digits, `-` `_`, with an inner dot. */
function isDottedName(codes: Uint16Array, s: number, e: number): boolean {
  if (e - s < 3) return false;
  let dot = false;
  for (let i = s; i < e; i++) {
    const c = codes[i]!;
    if (c === 46) {
      if (i === s || i === e - 1 || codes[i - 1]! === 46) return false;
      dot = true;
    } else if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || isDigit(c) || c === 45 || c === 95)) return false;
  }
  return dot;
}

/** Month or weekday name (English, any case). */
function isDateWord(codes: Uint16Array, s: number, e: number): boolean {
  const len = e - s;
  if (len < 3 || len > 9) return false;
  const c = codes[s]! | 32;
  // First letters of month and weekday names: a d f j m n o s t w.
  if (c !== 97 && c !== 100 && c !== 102 && c !== 106 && c !== 109 && c !== 110 && c !== 111 && c !== 115 && c !== 116 && c !== 119) return false;
  return inWordSet(DATE_TABLE, codes, s, e);
}

/**
 * Unit abbreviations (sizes, durations, rates). A byte size's unit after a number is part of the value
 * (`384.0 B`, `1.2 MB`: it changes with the magnitude); any unit after a bound (`<1 sec`) or a number
 * opening a parenthesised group (`(18.4 KB)`) is too; elsewhere (`took 35 ms`) units stay words.
 */
const UNITS = new Set(
  'b kb mb gb tb pb kib mib gib tib k m g ms us ns s sec secs min mins h hr hrs bps kbps mbps gbps'.split(' '),
);

const DATE_TABLE = wordTable(DATE_WORDS);
const UNIT_TABLE = wordTable(UNITS);

function endsInDigit(st: TokenCursor, v: number): boolean {
  return isDigit(st.codes[st.ends[v]! - 1]!);
}

/** Byte sizes: b kb mb gb tb pb, kib mib gib tib. */
function isSizeUnit(codes: Uint16Array, s: number, e: number): boolean {
  const last = codes[e - 1]! | 32;
  if (last !== 98) return false;
  return e - s === 1 || isUnit(codes, s, e);
}

/** Is VAR token v a number that is a bound (`<1`) or opens a parenthesised group (`(18.4`)? */
function boundedOrGrouped(st: TokenCursor, v: number): boolean {
  if (!isDigit(st.codes[st.ends[v]! - 1]!)) return false;
  const first = st.codes[st.starts[v]!]!;
  if (first === 60 || first === 62) return true;
  return v > 0 && st.kinds[v - 1] === KIND_PUNCT && st.tokens[v - 1] === '(' && st.ends[v - 1] === st.starts[v];
}

function isUnit(codes: Uint16Array, s: number, e: number): boolean {
  const len = e - s;
  if (len < 1 || len > 4) return false;
  return inWordSet(UNIT_TABLE, codes, s, e);
}

export interface TokenizeOptions {
  /**
   * Collapse a run of variables separated only by whitespace or `: , ; = |` into one variable, so
   * lists of ids, timestamps and `ip:port` give the same token count whatever their length. Default true.
   */
  collapse?: boolean;
}

/**
 * Whether the punctuation token j is a `:` glued to what precedes it and followed by whitespace before
 * `next` (`from 10.0.0.1: 11: bye`): the end of a label or field, as in prose, where two values are
 * two fields; `10.0.0.1:22` (no space) is one address and still collapses.
 */
function labelEnd(st: TokenCursor, j: number, next: number): boolean {
  if (st.tokens[j] !== ':') return false;
  const after = j + 1 < st.tokens.length ? st.starts[j + 1]! : next;
  return after > st.ends[j]! && st.starts[j] === st.ends[j - 1];
}

/** Separators a run of variables may span when collapsing: whitespace and `: , ; = |`. */
function collapsible(p: string): boolean {
  return p === ':' || p === ',' || p === ';' || p === '=' || p === '|';
}

/**
 * The tokeniser's state, passed explicitly to every step: the message, the option, the token arrays
 * being built and the index of the last variable. It is also the result (`Tokens`). The miner's hot
 * path reuses one (`tokenize(..., reuse = true)`): no allocation per message but the words.
 */
class TokenCursor implements Tokens {
  text = '';
  /** The text's UTF-16 code units, then SENTINEL (`codesOf`): what the scans read. */
  codes: Uint16Array = sharedCodes;
  collapse = true;
  tokens: string[] = stringArray();
  kinds: number[] = [];
  starts: number[] = [];
  ends: number[] = [];
  cut = false;
  /** Token index of the last VAR (-1 = none). */
  lastVar = -1;
}

/**
 * An empty array whose elements kind is already "any value": an empty `[]` starts as a small-integer
 * array and changes kind at its first string, and a push that saw both kinds is compiled as a call
 * to the generic builtin instead of inline code.
 */
export function stringArray(): string[] {
  const a = [''];
  a.pop();
  return a;
}

function truncateTo(st: TokenCursor, k: number): void {
  // pop(), not `length = k`: setting the length is a runtime call, ten times slower for the few
  // elements dropped here.
  const tokens = st.tokens;
  const kinds = st.kinds;
  const starts = st.starts;
  const ends = st.ends;
  for (let n = tokens.length; n > k; n--) {
    tokens.pop();
    kinds.pop();
    starts.pop();
    ends.pop();
  }
}

/** `user`, `User`, `USER`: the word before an account name. */
function isUserWord(codes: Uint16Array, s: number, e: number): boolean {
  return e - s === 4 && (codes[s]! | 0x20) === 0x75 && lowerAscii(codes[s + 1]!) === 0x73 && lowerAscii(codes[s + 2]!) === 0x65 && lowerAscii(codes[s + 3]!) === 0x72;
}

/** `for`, `by` (any case): the words that introduce whom an action was for or by. */
function isForOrBy(codes: Uint16Array, s: number, e: number): boolean {
  if (e - s === 2) return lowerAscii(codes[s]!) === 0x62 && lowerAscii(codes[s + 1]!) === 0x79;
  return e - s === 3 && lowerAscii(codes[s]!) === 0x66 && lowerAscii(codes[s + 1]!) === 0x6f && lowerAscii(codes[s + 2]!) === 0x72;
}

/**
 * `for user <name>`, `by user <name>`: an account name after those words (whitespace between) is a
 * variable whatever it looks like (`root`, `news`): a name, not a word of the message. Only after
 * `for`/`by user`: elsewhere `user` is often prose (`check pass; user unknown`, `no more user methods`).
 */
function isUserName(st: TokenCursor, start: number): boolean {
  const len = st.tokens.length;
  if (len < 2 || st.kinds[len - 1] !== KIND_WORD || st.kinds[len - 2] !== KIND_WORD) return false;
  const ps = st.starts[len - 1]!;
  const pe = st.ends[len - 1]!;
  return pe < start && isUserWord(st.codes, ps, pe) && st.ends[len - 2]! < ps && isForOrBy(st.codes, st.starts[len - 2]!, st.ends[len - 2]!);
}

function emit(st: TokenCursor, kind: number, start: number, end: number): void {
  if (kind === KIND_WORD && isUserName(st, start)) kind = KIND_VAR;
  const codes = st.codes;
  const kinds = st.kinds;
  let len = st.tokens.length;
  if (st.collapse && kind === KIND_WORD && st.lastVar >= 0 && st.lastVar === len - 1) {
    // "17 Jun", "2005 Fri": a month or weekday name next to a number is part of a date;
    // "384.0 B", "12.3 MB": a size unit after a number is part of the value (it varies with the
    // magnitude); "<1 sec", "(5 ms)": so is any unit after a bound or a number in parentheses.
    if (isDateWord(codes, start, end) || (isUnit(codes, start, end) && (isSizeUnit(codes, start, end) ? endsInDigit(st, len - 1) : boundedOrGrouped(st, len - 1)))) {
      kind = KIND_VAR;
    }
  }
  if (kind === KIND_VAR && st.collapse && len >= 2 && st.kinds[len - 1] === KIND_PUNCT && st.tokens[len - 1] === ':') {
    // "www.example.com:443": a dotted host name with a port is one address.
    const h = len - 2;
    if (st.kinds[h] === KIND_WORD && st.ends[h] === st.starts[len - 1] && st.ends[len - 1] === start && isAllDigits(codes, start, end) && isDottedName(codes, st.starts[h]!, st.ends[h]!)) {
      start = st.starts[h]!;
      truncateTo(st, h);
      len = h;
    }
  }
  if (kind === KIND_VAR && st.collapse) {
    // "Fri Jun 17": month and weekday names just before a number are part of the date too.
    let k = len;
    while (k > 0 && kinds[k - 1] === KIND_WORD && isDateWord(codes, st.starts[k - 1]!, st.ends[k - 1]!)) k--;
    if (k < len) {
      start = st.starts[k]!;
      truncateTo(st, k);
      len = k;
    }
    const lastVar = st.lastVar;
    if (lastVar >= 0 && lastVar < len) {
      // Merge with the previous VAR when only collapsible punctuation lies between.
      let ok = true;
      for (let j = lastVar + 1; j < len; j++) {
        if (kinds[j] !== KIND_PUNCT || !collapsible(st.tokens[j]!) || labelEnd(st, j, start)) {
          ok = false;
          break;
        }
      }
      if (ok) {
        truncateTo(st, lastVar + 1);
        st.ends[lastVar] = end;
        return;
      }
    }
  }
  // An indexed append (len is the length), not tokens.push: the compiler could not see this array's
  // kind where it is loaded, and compiled a push here as a call to the generic builtin.
  const tokens = st.tokens;
  tokens[len] = kind === KIND_VAR ? WILDCARD : kind === KIND_PUNCT ? PUNCT_STR[codes[start]!]! : st.text.slice(start, end);
  kinds.push(kind);
  st.starts.push(start);
  st.ends.push(end);
  if (kind === KIND_VAR) st.lastVar = len;
}

/** A number (digits and `. , : + -`), optionally followed by whitespace and a unit: `18.4 KB`, `00:01`. */
function isQuantity(codes: Uint16Array, s: number, e: number): boolean {
  let i = s;
  let digit = false;
  for (; i < e; i++) {
    const c = codes[i]!;
    if (isDigit(c)) digit = true;
    else if (c !== 46 && c !== 44 && c !== 58 && c !== 43 && c !== 45) break;
  }
  if (!digit) return false;
  if (i === e) return true;
  const u = i;
  while (i < e && charClass(codes[i]!) === 2) i++;
  if (i === u) return isUnit(codes, u, e);
  return isUnit(codes, i, e);
}

/**
 * At a `)` ending at `end`: an all-variable group `(<*>)` just after another token (`18846 bytes (18.4 KB)`,
 * `took 5 (4.9) ms`) is an optional annotation of that token: it is folded into it (the token's text
 * grows, its template token does not), so the message has the same tokens with or without it.
 */
function foldGroup(st: TokenCursor, end: number): boolean {
  const len = st.tokens.length;
  if (len < 3) return false;
  const v = len - 1;
  const open = len - 2;
  if (st.kinds[v] !== KIND_VAR || st.starts[v] === st.ends[v] || st.kinds[open] !== KIND_PUNCT || st.tokens[open] !== '(') return false;
  // The group must start a whitespace-separated chunk, after a token that is not punctuation.
  if (st.kinds[open - 1] === KIND_PUNCT || st.starts[open]! <= st.ends[open - 1]!) return false;
  if (!isQuantity(st.codes, st.starts[v]!, st.ends[v]!)) return false;
  truncateTo(st, open);
  st.ends[open - 1] = end;
  st.lastVar = st.kinds[open - 1] === KIND_VAR ? open - 1 : -1;
  return true;
}

/** Longest quoted value read as one variable. */
const MAX_QUOTED = 200;

/** Index of the `"` closing a quoted value starting at `from` that holds whitespace; -1 when none. */
function quotedWithSpace(codes: Uint16Array, n: number, from: number): number {
  let space = false;
  const end = Math.min(n, from + MAX_QUOTED);
  for (let j = from; j < end; j++) {
    const c = codes[j]!;
    if (c === 34) return space ? j : -1;
    if (c === 10 || c === 13) return -1;
    if (c === 32 || c === 9) space = true;
  }
  return -1;
}

/** An empty value: a free-standing `()`, or `[]`/`{}` with nothing inside. */
function emptyVar(st: TokenCursor, at: number): void {
  st.lastVar = st.tokens.length;
  st.tokens.push(WILDCARD);
  st.kinds.push(KIND_VAR);
  st.starts.push(at);
  st.ends.push(at);
}

/** Interned one-character strings of the split punctuation. */
const PUNCT_STR: string[] = [];
for (let c = 0; c < 128; c++) PUNCT_STR.push(String.fromCharCode(c));

/** The cursor reused by `tokenize(..., reuse = true)`. */
const scratch = new TokenCursor();

/**
 * Tokenise and mask one message. With `reuse`, the result lives in buffers shared by all calls and
 * is valid only until the next call (the miner's hot path: no allocation per message but the words).
 * With `limit`, tokenising stops once that many tokens are out (`cut` is then true): the miner keeps
 * only its first `maxTokens`, so a 64 KB run of punctuation costs it a bounded number of tokens, not
 * 64 K of them (issue 15). Collapsing only ever shortens the run after the last variable, so the
 * first tokens are the same as without a limit unless a single collapsible run is longer than it.
 */
export function tokenize(text: string, options?: TokenizeOptions, reuse = false, limit = Number.POSITIVE_INFINITY): Tokens {
  const st = reuse ? scratch : new TokenCursor();
  st.text = text;
  const codes = codesOf(text);
  st.codes = codes;
  st.collapse = options?.collapse ?? true;
  if (reuse) truncateTo(st, 0);
  st.lastVar = -1;
  const n = text.length;
  let i = 0;
  while (i < n && st.tokens.length < limit) {
    if (FLAGS[codes[i]!]! & F_SPACE) {
      i++;
      continue;
    }
    i = tokenizeChunk(st, i, limit);
  }
  // Stopped at the limit: cut only if non-whitespace text is left.
  st.cut = i < n && hasTextFrom(codes, n, i);
  return st;
}

/** Whether a non-whitespace character lies at or after `from`. */
function hasTextFrom(codes: Uint16Array, n: number, from: number): boolean {
  for (let j = from; j < n; j++) {
    if (charClass(codes[j]!) !== 2) return true;
  }
  return false;
}

/**
 * One chunk (maximal run of non-whitespace) starting at `chunkStart`: a single word, an atomic
 * variable with its surrounding punctuation, or else split on punctuation. Returns where it stopped.
 */
function tokenizeChunk(st: TokenCursor, chunkStart: number, limit: number): number {
  const codes = st.codes;
  const n = st.text.length;
  let chunkEnd = chunkStart;
  // The chunk's characters' flags, or-ed; for a chunk without punctuation (one word) they say
  // whether it looks like a variable (as in `tokenizeWord`).
  let seen = 0;
  let slashes = 0;
  for (; chunkEnd < n; chunkEnd++) {
    const f = FLAGS[codes[chunkEnd]!]!;
    if (f & F_SPACE) break;
    seen |= f;
    if (f & F_SLASH) slashes++;
  }
  const colon = (seen & F_COLON) !== 0;
  if ((seen & F_PUNCT) === 0) {
    // The whole chunk is one word: what the split below would emit.
    const len = chunkEnd - chunkStart;
    const variable = len > MAX_WORD || (seen & F_DIGIT) !== 0 || ((seen & F_NONHEX) === 0 && len >= 8) || (slashes >= 2 && codes[chunkStart]! === 47 && len > 2);
    emitWord(st, variable, chunkStart, chunkEnd);
    return chunkEnd;
  }
  // Trim split punctuation for the atomic-variable test (e.g. "[fe80::1]," -> fe80::1).
  let cs = chunkStart;
  let ce = chunkEnd;
  while (cs < ce && FLAGS[codes[cs]!]! & F_PUNCT) cs++;
  while (ce > cs && FLAGS[codes[ce - 1]!]! & F_PUNCT) ce--;
  // `LOCAL(127.0.0.1),`: the closing parenthesis belongs to a labelled value.
  if (ce < chunkEnd && codes[ce]! === 41 && isLabelledValue(codes, cs, ce + 1)) ce++;
  // Every atomic variable holds a ':' (URL, IPv6, MAC), starts with '/' (a path with a query) or ends
  // with ')' (a labelled value): other chunks skip the test.
  if (ce > cs && (colon || codes[cs]! === 47 || codes[ce - 1]! === 41) && chunkIsAtomicVariable(codes, cs, ce)) {
    for (let j = chunkStart; j < cs; j++) emit(st, KIND_PUNCT, j, j + 1);
    emit(st, KIND_VAR, cs, ce);
    for (let j = ce; j < chunkEnd; j++) emit(st, KIND_PUNCT, j, j + 1);
    return chunkEnd;
  }
  return splitChunk(st, chunkStart, chunkEnd, limit);
}

/** Splits the chunk `[chunkStart, chunkEnd)` on punctuation. Returns where it stopped. */
function splitChunk(st: TokenCursor, chunkStart: number, chunkEnd: number, limit: number): number {
  const codes = st.codes;
  let i = chunkStart;
  while (i < chunkEnd && st.tokens.length < limit) {
    const c = codes[i]!;
    // A literal "<*>" (a rendered template read back) is a variable.
    if (c === 60 && codes[i + 1]! === 42 && codes[i + 2]! === 62) {
      emit(st, KIND_VAR, i, i + 3);
      i += 3;
      continue;
    }
    if (c === 34 && st.collapse && i > 0 && codes[i - 1]! === 61) {
      // key="a value with spaces": the quoted value is one variable (a free-text value).
      const close = quotedWithSpace(codes, st.text.length, i + 1);
      if (close > 0) {
        emit(st, KIND_PUNCT, i, i + 1);
        emit(st, KIND_VAR, i + 1, close);
        emit(st, KIND_PUNCT, close, close + 1);
        return close + 1;
      }
    }
    if ((c === 60 || c === 62) && i === chunkStart && i + 1 < chunkEnd && isDigit(codes[i + 1]!)) {
      // "<1 sec", ">100": a bound on a number is part of the value.
      const ws = i;
      i++;
      while (i < chunkEnd && charClass(codes[i]!) === 0) i++;
      emit(st, KIND_VAR, ws, i);
      continue;
    }
    if (c === 41 /* ) */ && st.collapse && foldGroup(st, i + 1)) {
      i++;
      continue;
    }
    i = charClass(c) === 1 ? tokenizePunct(st, c, i) : tokenizeWord(st, i, chunkEnd);
  }
  return i;
}

/** One punctuation character at `i`, and the empty value in a free-standing `()` or in `[]`/`{}`. Returns i + 1. */
function tokenizePunct(st: TokenCursor, c: number, i: number): number {
  const codes = st.codes;
  const n = st.text.length;
  emit(st, KIND_PUNCT, i, i + 1);
  i++;
  // `key=` with nothing after it stays `key=`: the field is written without a value (`ruser= rhost=h`),
  // a constant shape of the line, not a value that happens to be empty.
  if (i < n && ((c === 40 && codes[i]! === 41 && !calledName(codes, i - 1)) || (c === 91 && codes[i]! === 93) || (c === 123 && codes[i]! === 125))) {
    emptyVar(st, i);
  }
  return i;
}

/**
 * Whether the `(` at `open` is glued to a word character (`init()`, `connect()`): a call with no
 * arguments, part of the code's text, whereas a free-standing `()` (`from 10.0.0.1 () at`) is a value
 * that happens to be empty, where other lines hold one (`(host.example.org)`).
 */
function calledName(codes: Uint16Array, open: number): boolean {
  return open > 0 && charClass(codes[open - 1]!) === 0;
}

/**
 * The word at `ws`, and in the same pass whether it looks like a variable on its own: a digit, hex of
 * 8+ characters, an absolute path of 2+ segments (`/` alone or `a/b` stays a word), or longer
 * than MAX_WORD (data: base64, a token, a blob; it would bloat the template). Returns its end.
 */
function tokenizeWord(st: TokenCursor, ws: number, chunkEnd: number): number {
  const codes = st.codes;
  let i = ws;
  let seen = 0;
  let slashes = 0;
  while (i < chunkEnd) {
    const f = FLAGS[codes[i]!]!;
    if (f & (F_SPACE | F_PUNCT)) break;
    seen |= f;
    if (f & F_SLASH) slashes++;
    i++;
  }
  const len = i - ws;
  const digit = (seen & F_DIGIT) !== 0;
  let variable = len > MAX_WORD || digit || ((seen & F_NONHEX) === 0 && len >= 8) || (slashes >= 2 && codes[ws]! === 47 && len > 2);
  if (variable && digit && len <= MAX_PLAIN_NAME && codes[i]! === 40 && isCodeName(codes, ws, i)) variable = false;
  emitWord(st, variable, ws, i);
  return i;
}

/**
 * A word [ws, e): a variable or a constant. A variable written `/` then a digit (`/10.0.0.7:50010`,
 * `/42`: an address printed with an empty host name, a numbered path) keeps the `/` as a constant
 * before it: the slash is how the line writes it, the value is what follows.
 */
function emitWord(st: TokenCursor, variable: boolean, ws: number, e: number): void {
  const codes = st.codes;
  if (codes[ws]! === 47) {
    if (variable && e - ws > 1 && isDigit(codes[ws + 1]!)) {
      // Punctuation, like `:` in `host:port`: part of the line's skeleton, not a word it shares.
      emit(st, KIND_PUNCT, ws, ws + 1);
      ws++;
    } else if (e - ws === 1 && isWildcardAt(codes, e)) {
      // The same `/` in a rendered template read back (`at /<*>`).
      emit(st, KIND_PUNCT, ws, e);
      return;
    }
  }
  emit(st, variable ? KIND_VAR : KIND_WORD, ws, e);
}

/** Longest function name read as a constant. */
const MAX_PLAIN_NAME = 40;

/**
 * `jk2_init(`, `sha256_update(`: an identifier glued to an opening parenthesis is the name of a
 * function being called, a constant of the code even with a digit in it. An identifier: a letter,
 * then letters, digits and `_`, with at least two letters and a letter or `_` after its first digit
 * (`cpu0(` or `x1(` may be a numbered value with an argument; `jk2_init(` is not).
 */
function isCodeName(codes: Uint16Array, s: number, e: number): boolean {
  const c0 = codes[s]! | 32;
  if (c0 < 97 || c0 > 122) return false;
  let letters = 0;
  let digitSeen = false;
  let letterAfterDigit = false;
  for (let j = s; j < e; j++) {
    const c = codes[j]!;
    const l = c | 32;
    if (l >= 97 && l <= 122) {
      letters++;
      if (digitSeen) letterAfterDigit = true;
    } else if (c === 95) {
      if (digitSeen) letterAfterDigit = true;
    } else if (isDigit(c)) digitSeen = true;
    else return false;
  }
  return letters >= 2 && letterAfterDigit;
}
