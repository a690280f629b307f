/**
 * Table types for Kysely. Portable column choices: timestamps are integer milliseconds (bigint in
 * PostgreSQL, parsed back to numbers), booleans are 0/1 integers, JSON is text. That keeps one query
 * layer for SQLite and PostgreSQL without dialect branches in the repositories.
 * @module
 */
import type { Generated } from "kysely";

export interface CompaniesTable {
  id: string;
  name: string;
  secret_key_sealed: string | null;
  hmac_required: number;
  hmac_timestamp_required: number;
  callback_url: string | null;
  callback_key: string | null;
  allowed_origins: string;
  session_ttl_minutes: number;
  retention_days: number | null;
  settings: string;
  created_at: number;
  updated_at: number;
}

export interface ApiKeysTable {
  id: string;
  company_id: string;
  key_hash: string;
  key_prefix: string;
  created_at: number;
  revoked_at: number | null;
}

export interface ConfigurationsTable {
  id: string;
  company_id: string;
  name: string;
  flags: string;
  steps: string;
  created_at: number;
  updated_at: number;
}

export interface SessionsTable {
  token: string;
  company_id: string;
  config_id: string | null;
  parent_session_id: string | null;
  status: string;
  flags: string;
  steps: string;
  effective_steps: string;
  current_step: number;
  open_deadline: number;
  opened_at: number | null;
  last_activity_at: number | null;
  submitted_at: number | null;
  completed_at: number | null;
  verification: string;
  result_comment: string;
  technical: string;
  version: number;
  created_at: number;
  updated_at: number;
  /** Filter columns (migration 0012), derived from the findings' clear fields on every write. */
  document_type: string | null;
  document_country: string | null;
}

/** One row per reason code of a session (migration 0012): the list's filter and the overview's counts. */
export interface SessionReasonCodesTable {
  session_token: string;
  company_id: string;
  code: string;
  /** The session's created_at (the overview counts codes of sessions created in its window). */
  created_at: number;
}

export interface MediaTable {
  id: string;
  session_token: string;
  company_id: string;
  kind: string;
  storage_key: string;
  content_type: string;
  size: number;
  sha256: string;
  created_at: number;
}

export interface SessionEventsTable {
  id: Generated<number>;
  session_token: string;
  company_id: string;
  type: string;
  data: string;
  created_at: number;
}

export interface JobsTable {
  id: string;
  queue: string;
  payload: string;
  status: string;
  attempts: number;
  max_attempts: number;
  run_at: number;
  locked_by: string | null;
  locked_until: number | null;
  last_error: string | null;
  result: string | null;
  dedupe_key: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

export interface CaptureAnalysesTable {
  media_id: string;
  session_token: string;
  analysis: string;
  created_at: number;
}

export interface CallbackEventsTable {
  id: string;
  company_id: string;
  session_token: string | null;
  type: string;
  body: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  delivered_at: number | null;
  /** Migration 0008: when the next attempt is due (null once delivered or given up). */
  next_attempt_at: number | null;
}

export interface CallbackAttemptsTable {
  id: string;
  event_id: string;
  attempt: number;
  url: string;
  status_code: number | null;
  ok: number;
  latency_ms: number;
  error: string | null;
  response_excerpt: string;
  created_at: number;
}

export interface CallbackSecretsTable {
  company_id: string;
  secret_sealed: string;
  previous_sealed: string | null;
  previous_until: number | null;
  created_at: number;
  updated_at: number;
}

export interface DashboardUsersTable {
  id: string;
  company_id: string;
  email: string;
  password_hash: string;
  role: string;
  failed_logins: number;
  locked_until: number | null;
  disabled_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface DashboardLoginsTable {
  id_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  company_id: string;
  user_id: string | null;
  user_email: string;
  session_token: string | null;
  action: string;
  data: string;
  created_at: number;
}

/** Encryption at rest (migration 0006). */
export interface CompanyKeysTable {
  company_id: string;
  purpose: string;
  version: number;
  master_key_id: string;
  wrapped: string;
  created_at: number;
}

export interface SessionKeysTable {
  session_token: string;
  company_id: string;
  data_key_version: number;
  wrapped: string;
  created_at: number;
}

export interface SessionSearchTable {
  session_token: string;
  company_id: string;
  field: string;
  digest: string;
}

/** One-time codes of the phone-number / email steps (migration 0007); only an HMAC of the code. */
export interface OtpCodesTable {
  id: string;
  session_token: string;
  channel: string;
  destination_hash: string;
  code_hash: string;
  attempts: Generated<number>;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
}

/** Video-call step (migration 0009): one row per request to join the operators' queue. */
export interface VideoCallsTable {
  id: string;
  session_token: string;
  company_id: string;
  step_index: number;
  /** waiting → active → ended (or waiting → ended). */
  status: string;
  requested_at: number;
  wait_deadline: number;
  person_seen_at: number;
  accepted_at: number | null;
  operator_id: string | null;
  operator_email: string | null;
  operator_seen_at: number | null;
  ended_at: number | null;
  /** passed, failed, timeout, person_left, operator_left, closed. */
  end_reason: string | null;
  /** The call's recording (media id; migration 0013), null before its first chunk. */
  recording_media_id: string | null;
  /** 1 when the step records the call (its `record` option, default true), else 0 (migration 0013). */
  record: Generated<number>;
}

/** The parts of a media item stored chunk by chunk (migration 0013), in order from seq 1. */
export interface MediaPartsTable {
  media_id: string;
  seq: number;
  storage_key: string;
  size: number;
  sha256: string;
  created_at: number;
}

/** Signalling messages of a live call, in order per sender (`seq`); deleted when the call ends. */
export interface VideoCallSignalsTable {
  call_id: string;
  /** "person" or "operator". */
  sender: string;
  seq: number;
  kind: string;
  payload: string;
  created_at: number;
}

export interface Database {
  video_calls: VideoCallsTable;
  video_call_signals: VideoCallSignalsTable;
  otp_codes: OtpCodesTable;
  company_keys: CompanyKeysTable;
  session_keys: SessionKeysTable;
  session_search: SessionSearchTable;
  callback_events: CallbackEventsTable;
  callback_attempts: CallbackAttemptsTable;
  callback_secrets: CallbackSecretsTable;
  capture_analyses: CaptureAnalysesTable;
  jobs: JobsTable;
  companies: CompaniesTable;
  api_keys: ApiKeysTable;
  configurations: ConfigurationsTable;
  sessions: SessionsTable;
  session_reason_codes: SessionReasonCodesTable;
  media: MediaTable;
  media_parts: MediaPartsTable;
  session_events: SessionEventsTable;
  dashboard_users: DashboardUsersTable;
  dashboard_logins: DashboardLoginsTable;
  audit_log: AuditLogTable;
}
