/**
 * Online log template miner (issue 8). See `miner.ts` for the algorithm and `README.md` for the
 * id-stability rule, the bounds and the accuracy figures.
 */
export { createMiner, hashId } from './miner.ts';
export type { Miner, MinerOptions, MinerState, MatchResult, TemplateInfo } from './miner.ts';
export { tokenize, WILDCARD } from './tokenize.ts';
export type { Tokens, TokenizeOptions } from './tokenize.ts';
export { FinalTemplates } from './final.ts';
export { groupingAccuracy } from './accuracy.ts';
