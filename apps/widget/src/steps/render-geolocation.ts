/**
 * The geolocation step: the browser's position and its accuracy, asked only after the person chose
 * to share it; refusing is allowed unless the step requires the position.
 * @module
 */
import { h } from "../ui/h.ts";
import { button } from "./render-message.ts";
import type { StepTranslate } from "./step-messages.ts";

export interface GeoReport {
  consent: boolean;
  latitude?: number;
  longitude?: number;
  accuracy?: number;
  error?: "denied" | "unavailable" | "timeout";
}

export function renderGeolocation(
  t: StepTranslate,
  required: boolean,
  report: (r: GeoReport) => void,
): HTMLElement {
  const status = h("p", { class: "status", role: "status" });
  const share = () => {
    if (!("geolocation" in navigator)) {
      status.textContent = t("geoDenied");
      if (!required) report({ consent: true, error: "unavailable" });
      return;
    }
    status.textContent = t("geoWorking");
    navigator.geolocation.getCurrentPosition(
      (p) =>
        report({
          consent: true,
          latitude: p.coords.latitude,
          longitude: p.coords.longitude,
          accuracy: p.coords.accuracy,
        }),
      (err) => {
        status.textContent = t("geoDenied");
        const error =
          err.code === err.PERMISSION_DENIED
            ? "denied"
            : err.code === err.TIMEOUT
              ? "timeout"
              : "unavailable";
        if (!required) report({ consent: true, error });
      },
      { enableHighAccuracy: true, timeout: 15_000, maximumAge: 60_000 },
    );
  };
  return h(
    "section",
    { class: "screen", "data-screen": "geolocation" },
    h("h1", {}, t("geoTitle")),
    h("p", {}, t("geoBody")),
    status,
    h(
      "div",
      { class: "actions" },
      button(t("geoShare"), "share-location", share),
      required ? null : button(t("geoSkip"), "skip-location", () => report({ consent: false }), "secondary"),
    ),
  );
}
