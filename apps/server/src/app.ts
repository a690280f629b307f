/**
 * The composition root: `buildApp(deps)` wires the HTTP app from ready-made dependencies and does not
 * listen. `main.ts` builds the real dependencies from the configuration; tests build in-memory ones.
 * @module
 */
import { randomUUID } from "node:crypto";
import { type Clock, createKeyringSecretBox, createMasterKeyring, type MasterKeyring } from "@verimat/core";
import { createDashboardRepository, createRepositories, type DatabaseHandle } from "@verimat/db";
import { createDbJobQueue, type WorkQueue } from "@verimat/jobs";
import { createEncryptedMediaStore, type MediaStore } from "@verimat/media";
import Fastify, { type FastifyInstance } from "fastify";
import { type CallbackService, createCallbackService } from "./callbacks/index.ts";
import type { Config } from "./config.ts";
import { dashboardCallbackRoutes } from "./dashboard/callback-routes.ts";
import { dashboardRoutes } from "./dashboard/dashboard-routes.ts";
import { sealedFindingsWriter } from "./dashboard/sealed-findings.ts";
import { createSessionReviewService } from "./dashboard/session-review-service.ts";
import { dashboardStepsRoutes } from "./dashboard/steps-routes.ts";
import { createUserService } from "./dashboard/user-service.ts";
import { dashboardVideoCallRoutes } from "./dashboard/video-call-routes.ts";
import { registerErrorHandling } from "./http/error-handler.ts";
import { logRedactPaths, logSerializers } from "./http/log-serializers.ts";
import { createMetrics, type Metrics, registerHttpMetrics } from "./http/metrics.ts";
import { demoPageRoutes } from "./routes/demo-page.ts";
import { externalApiRoutes } from "./routes/external-api.ts";
import { healthRoutes } from "./routes/health.ts";
import { openApiRoutes } from "./routes/openapi.ts";
import { widgetApiRoutes } from "./routes/widget-api.ts";
import { widgetPageRoutes } from "./routes/widget-page.ts";
import { widgetStepsApiRoutes } from "./routes/widget-steps-api.ts";
import { widgetVideoCallRoutes } from "./routes/widget-video-call-api.ts";
import { createCompanyService } from "./services/company-service.ts";
import { createConfigurationService } from "./services/configuration-service.ts";
import { createMemoryRateLimiter, type RateLimiter } from "./services/rate-limiter.ts";
import { createSessionService } from "./services/session-service.ts";
import { createVault } from "./services/vault.ts";
import {
  createHttpSmsProvider,
  createMessenger,
  createSmtpSender,
  type Messenger,
} from "./steps/delivery.ts";
import { createPackagedIpCountry } from "./steps/ip-country.ts";
import { createKybService, type KybService } from "./steps/kyb-service.ts";
import { createOtpService } from "./steps/otp-service.ts";
import { createStepService, type StepService } from "./steps/step-service.ts";
import { createVideoCallService, type VideoCallService } from "./steps/video-call-service.ts";

export interface AppDeps {
  config: Readonly<Config>;
  database: DatabaseHandle;
  media: MediaStore;
  clock: Clock;
  /** The active master key (seals new secrets, keys derived values). */
  masterKey: Buffer;
  /** Every configured master key, the active one first (rotation); default: just `masterKey`. */
  masterKeys?: MasterKeyring;
  rateLimiter?: RateLimiter;
  /** Dashboard login attempts per client IP; default: in-memory, DASHBOARD_LOGIN_IP_PER_MINUTE. */
  loginRateLimiter?: RateLimiter;
  /** Background jobs; defaults to the durable job table in the same database (BullMQ with Redis). */
  jobs?: WorkQueue;
  /** The demo company's raw key, when the demo page is enabled. */
  demoCompanyKey?: string | undefined;
  /** Pino logger options, or false to silence (tests). */
  logger?: boolean | Record<string, unknown>;
}

export interface App {
  http: FastifyInstance;
  /** Prometheus registry and recorders (job durations, outcomes); served at /metrics when enabled. */
  metrics: Metrics;
  services: {
    companies: ReturnType<typeof createCompanyService>;
    sessions: ReturnType<typeof createSessionService>;
    configurations: ReturnType<typeof createConfigurationService>;
    jobs: WorkQueue;
    callbacks: CallbackService;
    /** The step catalogue (questionnaires, codes, geolocation, KYB) and its message delivery. */
    steps: StepService;
    kyb: KybService;
    /** The video-call step's queue, calls and signalling. */
    videoCalls: VideoCallService;
    messenger: Messenger;
    /** Dashboard accounts (the CLI and the first-run demo create them too). */
    dashboardUsers: ReturnType<typeof createUserService>;
  };
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export async function buildApp(deps: AppDeps): Promise<App> {
  const { config, clock } = deps;
  const masterKeys = deps.masterKeys ?? createMasterKeyring([deps.masterKey]);
  const secretBox = createKeyringSecretBox(masterKeys);
  // Encryption at rest: personal fields and media are sealed under per-session keys (services/vault.ts).
  const vault = createVault({ db: deps.database.db, masterKeys, clock });
  const media = createEncryptedMediaStore(deps.media, vault.mediaKeyring);
  const repos = createRepositories(deps.database.db);
  const configurations = createConfigurationService({ configurations: repos.configurations, clock });
  const companies = createCompanyService({
    companies: repos.companies,
    secretBox,
    clock,
  });
  const sessions = createSessionService({
    db: deps.database.db,
    bulkInsert: deps.database.bulkInsert,
    media,
    vault,
    clock,
    idleMs: config.sessionIdleMs,
    // Late-bound: the callback service needs the job queue built below. Events are an outbox: written
    // in the transaction of the session change they report.
    events: {
      prepare: (companyId, event, company) => callbacks.sessionSink.prepare(companyId, event, company),
      write: (trx, events) => callbacks.sessionSink.write(trx, events),
      dispatch: (events) => callbacks.sessionSink.dispatch(events),
    },
  });
  const rateLimiter = deps.rateLimiter ?? createMemoryRateLimiter(config.beginRateLimitPerMinute);
  const jobs = deps.jobs ?? createDbJobQueue({ jobs: repos.jobs, clock });
  const callbacks = createCallbackService({
    db: deps.database.db,
    jobs,
    secretBox,
    vault,
    clock,
    allowPrivate: config.allowPrivateCallbacks,
    timeoutMs: config.callbackTimeoutMs,
    log: { warn: (o, m) => http.log.warn(o, m), error: (o, m) => http.log.error(o, m) },
  });

  const http = Fastify({
    logger:
      deps.logger === false
        ? false
        : {
            level: config.logLevel,
            serializers: logSerializers,
            redact: { paths: logRedactPaths, censor: "[redacted]" },
            ...(typeof deps.logger === "object" ? deps.logger : {}),
          },
    // Our own ids, or a well-formed one from a proxy: a caller cannot inject log lines through it.
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    },
    trustProxy: config.trustProxy,
    bodyLimit: config.bodyLimitBytes,
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 200 },
    return503OnClosing: true,
  });
  http.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
    reply.header("x-content-type-options", "nosniff");
  });
  registerErrorHandling(http);
  const metrics = createMetrics({ jobs, defaults: deps.logger !== false });
  if (config.metrics) registerHttpMetrics(http, metrics);

  await http.register(healthRoutes, { database: deps.database, media: deps.media, jobs });
  await http.register(externalApiRoutes, {
    companies,
    sessions,
    rateLimiter,
    clock,
    bodyLimitBytes: config.bodyLimitBytes,
    hmacTimestampWindowMs: config.hmacTimestampWindowMs,
  });
  await http.register(widgetPageRoutes, { sessions, companies });
  await http.register(widgetApiRoutes, {
    sessions,
    companies,
    jobs,
    uploadLimitBytes: config.uploadLimitBytes,
    sessionMediaLimitBytes: config.sessionMediaLimitBytes,
  });
  const dashboardRepo = createDashboardRepository(deps.database.db);
  const dashboardUsers = createUserService({
    repo: dashboardRepo,
    clock,
    ...config.dashboard,
    ipLimiter: deps.loginRateLimiter ?? createMemoryRateLimiter(config.dashboard.loginIpPerMinute),
  });
  await http.register(dashboardRoutes, {
    users: dashboardUsers,
    review: createSessionReviewService({
      db: deps.database.db,
      sessions,
      dashboard: dashboardRepo,
      clock,
      searchDigests: vault.searchDigests,
      writeFindings: sealedFindingsWriter({ db: deps.database.db, vault, clock }),
      auditData: { seal: vault.sealAudit, open: vault.openAudit },
    }),
    companies,
    configurations,
    sessions,
    publicUrl: config.publicUrl,
  });
  const messenger = createMessenger({
    email: config.smtp ? createSmtpSender(config.smtp) : null,
    sms: config.smsHttp ? createHttpSmsProvider(config.smsHttp) : null,
    callbacks,
  });
  const steps = createStepService({
    clock,
    sessions,
    companies,
    otp: createOtpService({ db: deps.database.db, clock, masterKey: deps.masterKey, settings: config.otp }),
    messenger,
    ipCountry: createPackagedIpCountry(),
  });
  const kyb = createKybService({
    db: deps.database.db,
    clock,
    sessions,
    companies,
    steps,
    messenger,
    publicUrl: config.publicUrl,
  });
  // A KYB parent follows its beneficiaries' sessions as soon as one of them is decided.
  sessions.onTransition((s) => {
    if (s.parentSessionId === null) return;
    kyb.settle(s.parentSessionId).catch((err: unknown) => http.log.error({ err }, "KYB settle failed"));
  });
  await http.register(dashboardStepsRoutes, {
    users: dashboardUsers,
    companies,
    sessions,
    steps,
    kyb,
    clock,
  });
  await http.register(dashboardCallbackRoutes, {
    users: dashboardUsers,
    companies,
    sessions,
    callbacks,
    dashboard: dashboardRepo,
    clock,
  });
  await http.register(widgetStepsApiRoutes, {
    sessions,
    steps,
    kyb,
    uploadLimitBytes: config.uploadLimitBytes,
    sessionMediaLimitBytes: config.sessionMediaLimitBytes,
  });
  const videoCalls = createVideoCallService({
    db: deps.database.db,
    clock,
    sessions,
    waitMs: config.videoCall.waitMs,
    iceServers: config.videoCall.iceServers,
  });
  // Held long-polls answer at once when the server closes.
  http.addHook("onClose", async () => videoCalls.close());
  await http.register(widgetVideoCallRoutes, { sessions, calls: videoCalls });
  await http.register(dashboardVideoCallRoutes, {
    db: deps.database.db,
    clock,
    users: dashboardUsers,
    sessions,
    calls: videoCalls,
    stillLimitBytes: config.videoCall.stillLimitBytes,
    sessionMediaLimitBytes: config.sessionMediaLimitBytes,
  });
  await http.register(openApiRoutes, { publicUrl: config.publicUrl });
  if (deps.demoCompanyKey) {
    await http.register(demoPageRoutes, { companyKey: deps.demoCompanyKey, publicUrl: config.publicUrl });
  }
  return {
    http,
    metrics,
    services: {
      companies,
      sessions,
      configurations,
      jobs,
      callbacks,
      dashboardUsers,
      steps,
      kyb,
      videoCalls,
      messenger,
    },
  };
}
