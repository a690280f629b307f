import type { Translate } from "../i18n/translate.ts";
import { qrSvg } from "../qr/qr-svg.ts";
import { h } from "../ui/h.ts";

/** "Continue on your phone" with a QR code of `link`; nothing when there is no link to offer. */
export function renderSwitchDevice(t: Translate, link: string | null, heading = true): HTMLElement | null {
  if (!link) return null;
  let code: SVGSVGElement;
  try {
    code = qrSvg(link, t("switchDeviceTitle"));
  } catch {
    return null; // a link too long for a QR code: the rest of the screen still helps
  }
  return h(
    "div",
    { class: "switch-device", "data-switch-link": link },
    heading ? h("h2", {}, t("switchDeviceTitle")) : null,
    h("p", {}, t("switchDeviceBody")),
    code,
  );
}
