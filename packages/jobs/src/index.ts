export { createDbJobQueue, type DbJobQueue } from "./db-job-queue.ts";
export { type EnqueueOptions, type JobQueue, PermanentJobError } from "./job-queue.ts";
export {
  createJobRunner,
  defaultBackoff,
  type JobHandler,
  type JobRunner,
  type JobRunnerOptions,
} from "./job-runner.ts";
