/** The shape of `GET /api/widget/session` (apps/server/src/routes/widget-api.ts), as the widget reads it. */
export interface WidgetStep {
  index: number;
  type: string;
  flags: Record<string, unknown>;
  title?: string;
  done: boolean;
}

export interface SessionDescription {
  status: string;
  phase: "capturing" | "processing" | "done";
  language: string | null;
  currentStep: number;
  steps: WidgetStep[];
  documentTypes: string[];
  documentCountries: string[];
  liveness: boolean;
  returnUrl: string | null;
  parentOrigin: string | null;
  allowedOrigins: string[];
  switchDeviceUrl: string | null;
  restrictUrlSharing: boolean;
  skipDesktop: boolean;
  requireHdMedia: boolean;
  branding: Record<string, unknown>;
}
