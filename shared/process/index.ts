/**
 * The PROCESS and DEFERRED stages, callable in-process with a Lambda-shaped MSK event (build one
 * with `toMskEvent` from shared/msk.ts) and anything with `getRemainingTimeInMillis()`.
 */
import type { MSKEvent } from 'aws-lambda';
import { runStage, type RemainingTime, type StageResult } from './stage.ts';
import { defaultDeps } from './deps.ts';
import type { StageDeps } from './ports.ts';

export type { StageResult, RemainingTime } from './stage.ts';
export type { StageDeps } from './ports.ts';
export { runStage } from './stage.ts';
export { defaultDeps, resetDefaultDeps } from './deps.ts';

/** `logs.raw` batch: classify, budget, index, summarize. */
export function processRaw(event: MSKEvent, context: RemainingTime, deps: StageDeps = defaultDeps()): Promise<StageResult> {
  return runStage(event, context, deps, 'process');
}

/** `logs.deferred` batch: index what is due and fits the budget now, re-defer or park the rest. */
export function processDeferred(event: MSKEvent, context: RemainingTime, deps: StageDeps = defaultDeps()): Promise<StageResult> {
  return runStage(event, context, deps, 'deferred');
}
