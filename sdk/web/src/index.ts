/**
 * `@verimat/web`: show the Verimat widget on a company's page.
 *
 * - `mountWidget(container, { widgetUrl })` puts the widget in an iframe with the permissions it
 *   needs (camera, microphone for liveness video, full screen, geolocation for the geolocation step)
 *   and resolves `done` when the widget posts `"DONE"` — only from the widget's own origin and only
 *   from that iframe's window.
 * - `redirectToWidget(widgetUrl)` is the redirect mode: the widget comes back to the session's
 *   `return_url` with `?session_token=…`; `sessionTokenFromReturn()` reads it there.
 *
 * In both modes the outcome is read server-side (result API or callback), never trusted from the
 * browser.
 * @module
 */

export interface MountOptions {
  /** The widget URL from your server: `<verimat>/?session_token=…` (the SDK's `widgetUrl`). */
  widgetUrl: string;
  /** Extra iframe attributes' values. */
  title?: string;
  /** Called when the person finished, like `done`. */
  onDone?: () => void;
}

export interface MountedWidget {
  iframe: HTMLIFrameElement;
  /** Resolves once the widget posts "DONE"; rejects if `destroy()` is called first. */
  done: Promise<void>;
  destroy(): void;
}

/** Permissions the widget asks for (Permissions-Policy of the frame). */
export const WIDGET_ALLOW = "camera; microphone; fullscreen; geolocation; clipboard-write";

export function mountWidget(container: HTMLElement, options: MountOptions): MountedWidget {
  const url = new URL(options.widgetUrl, window.location.href);
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new TypeError("widgetUrl must be http(s)");
  const origin = url.origin;
  const iframe = document.createElement("iframe");
  iframe.src = url.href;
  iframe.allow = WIDGET_ALLOW;
  iframe.allowFullscreen = true;
  iframe.title = options.title ?? "Identity verification";
  iframe.referrerPolicy = "strict-origin-when-cross-origin";
  iframe.style.border = "0";
  iframe.style.width = "100%";
  iframe.style.height = "100%";
  iframe.style.minHeight = "640px";
  let settle: { resolve: () => void; reject: (e: Error) => void } | null = null;
  const done = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const onMessage = (e: MessageEvent) => {
    // Strict: the widget's exact origin, and this very frame (another frame of that origin cannot finish it).
    if (e.origin !== origin || e.source !== iframe.contentWindow) return;
    if (e.data !== "DONE") return;
    window.removeEventListener("message", onMessage);
    options.onDone?.();
    settle?.resolve();
    settle = null;
  };
  window.addEventListener("message", onMessage);
  container.appendChild(iframe);
  return {
    iframe,
    done,
    destroy() {
      window.removeEventListener("message", onMessage);
      iframe.remove();
      settle?.reject(new Error("widget removed before it finished"));
      settle = null;
    },
  };
}

/** Redirect mode: leaves the page for the widget (it returns to the session's `return_url`). */
export function redirectToWidget(widgetUrl: string): void {
  const url = new URL(widgetUrl, window.location.href);
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new TypeError("widgetUrl must be http(s)");
  window.location.assign(url.href);
}

/** On the `return_url` page: the session token the widget appended, or null. */
export function sessionTokenFromReturn(href: string = window.location.href): string | null {
  const t = new URL(href).searchParams.get("session_token");
  return t !== null && /^[0-9a-z]{40}$/.test(t) ? t : null;
}
