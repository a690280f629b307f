export {
  type BullJobQueue,
  type BullJobQueueOptions,
  type BullRunnerOptions,
  createBullJobQueue,
} from "./bull-job-queue.ts";
export { createDbJobQueue, type DbJobQueue } from "./db-job-queue.ts";
export { type EnqueueOptions, type JobQueue, PermanentJobError } from "./job-queue.ts";
export {
  createJobRunner,
  defaultBackoff,
  type JobHandler,
  type JobRunner,
  type JobRunnerOptions,
  type WorkQueue,
} from "./job-runner.ts";
