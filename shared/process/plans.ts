/**
 * Moved: the plan cache is shared/tenants/plan-cache.ts (beside the tenant registry). Kept as a
 * re-export for importers outside the stage (functions/retention.ts); new code imports from there.
 */
export { CachedPlans, type PlanSource, type TenantRecordSource } from '../tenants/plan-cache.ts';
