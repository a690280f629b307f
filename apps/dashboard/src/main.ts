/**
 * The dashboard shell: login, the navigation, and a hash router (#/overview, #/sessions,
 * #/sessions/<token>, #/configurations, #/configurations/<id>, #/callbacks, #/settings). Each page renders into
 * <main> and its heading takes the focus, so keyboard and screen-reader users follow the change.
 * @module
 */
import "./style.css";
import { ApiError, api, errorText, type Me, setCsrf } from "./api.ts";
import { field, h } from "./h.ts";
import { renderCallbacks } from "./pages/callbacks.ts";
import { renderConfigEditor, renderConfigurations } from "./pages/configurations.ts";
import { renderOverview } from "./pages/overview.ts";
import { renderSessionDetail } from "./pages/session-detail.ts";
import { renderSessions } from "./pages/sessions.ts";
import { renderSettings } from "./pages/settings.ts";
import { renderVideoCalls } from "./pages/video-calls.ts";

export interface PageContext {
  me: Me;
  main: HTMLElement;
  /** Query of the hash route (#/sessions?status=…). */
  query: URLSearchParams;
  navigate(hash: string): void;
  /** A message in the live region at the top of the page. */
  notify(text: string, kind?: "ok" | "error"): void;
}

const root = document.getElementById("app") ?? document.body;
let me: Me | null = null;
/** A message to show after the next page change (e.g. "Saved" before moving to the saved item). */
let carried: { text: string; kind: "ok" | "error" } | null = null;

function renderLogin(message = ""): void {
  document.title = "Log in · Verimat";
  const email = h("input", { type: "email", name: "email", autocomplete: "username", required: true });
  const password = h("input", {
    type: "password",
    name: "password",
    autocomplete: "current-password",
    required: true,
  });
  const status = h("p", { class: "error", role: "alert" }, message);
  const button = h("button", { type: "submit", class: "btn primary" }, "Log in");
  const form = h(
    "form",
    { class: "login", "data-page": "login" },
    h("h1", {}, "Verimat dashboard"),
    field("Email", email),
    field("Password", password),
    status,
    button,
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    button.disabled = true;
    status.textContent = "";
    api
      .login(email.value, password.value)
      .then(() => api.me())
      .then((who) => {
        me = who;
        setCsrf(who.csrf_token);
        if (!location.hash || location.hash === "#/login") location.hash = "#/overview";
        renderRoute();
      })
      .catch((err: unknown) => {
        status.textContent = errorText(err);
        button.disabled = false;
        password.value = "";
        password.focus();
      });
  });
  root.replaceChildren(h("main", { id: "main", class: "login-page" }, form));
  email.focus();
}

const NAV: { hash: string; label: string; admin?: boolean }[] = [
  { hash: "#/overview", label: "Overview" },
  { hash: "#/sessions", label: "Sessions" },
  { hash: "#/video-calls", label: "Video calls" },
  { hash: "#/configurations", label: "Configurations" },
  { hash: "#/callbacks", label: "Callbacks" },
  { hash: "#/settings", label: "Settings", admin: true },
];

function renderShell(who: Me): { main: HTMLElement; notice: HTMLElement } {
  const current = location.hash.split("?")[0] ?? "";
  const links = NAV.filter((n) => !n.admin || who.user.role === "admin").map((n) =>
    h(
      "a",
      {
        href: n.hash,
        ...(current.startsWith(n.hash) ? { "aria-current": "page" } : {}),
      },
      n.label,
    ),
  );
  const logout = h("button", { type: "button", class: "link" }, "Log out");
  logout.addEventListener("click", () => {
    void api
      .logout()
      .catch(() => undefined)
      .then(() => {
        me = null;
        renderLogin("You are logged out.");
      });
  });
  const everywhere = h("button", { type: "button", class: "link" }, "Log out everywhere");
  everywhere.addEventListener("click", () => {
    if (!confirm("End every login of your account, on every device?")) return;
    void api
      .logoutEverywhere()
      .catch(() => undefined)
      .then(() => {
        me = null;
        renderLogin("You are logged out on every device.");
      });
  });
  const main = h("main", { id: "main", tabindex: -1 });
  const notice = h("div", { class: "notice", role: "status", "aria-live": "polite" });
  root.replaceChildren(
    h(
      "header",
      { class: "top" },
      h("span", { class: "brand" }, "Verimat"),
      h("nav", { "aria-label": "Main" }, ...links),
      h(
        "div",
        { class: "who" },
        h("span", {}, `${who.user.email} · ${who.user.role} · ${who.company.name}`),
        logout,
        everywhere,
      ),
    ),
    notice,
    main,
  );
  return { main, notice };
}

function renderRoute(): void {
  const who = me;
  if (!who) {
    renderLogin();
    return;
  }
  const [path = "", qs = ""] = location.hash.replace(/^#/, "").split("?");
  const { main, notice } = renderShell(who);
  const ctx: PageContext = {
    me: who,
    main,
    query: new URLSearchParams(qs),
    navigate: (hash) => {
      const shown = notice.querySelector(".msg");
      if (shown)
        carried = { text: shown.textContent ?? "", kind: shown.classList.contains("error") ? "error" : "ok" };
      location.hash = hash;
    },
    notify(text, kind = "ok") {
      notice.replaceChildren(h("p", { class: `msg ${kind}` }, text));
    },
  };
  if (carried) {
    ctx.notify(carried.text, carried.kind);
    carried = null;
  }
  const parts = path.split("/").filter(Boolean);
  const done = (p: Promise<void>) =>
    p
      .then(() => {
        const heading = main.querySelector("h1");
        if (heading) {
          heading.tabIndex = -1;
          heading.focus({ preventScroll: true });
        }
      })
      .catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 401) {
          me = null;
          renderLogin("Your login has ended. Log in again.");
          return;
        }
        main.replaceChildren(h("h1", {}, "Something went wrong"), h("p", { class: "error" }, errorText(err)));
      });
  document.title = "Verimat dashboard";
  const page =
    parts[0] === "sessions" && parts[1]
      ? renderSessionDetail(ctx, parts[1])
      : parts[0] === "sessions"
        ? renderSessions(ctx)
        : parts[0] === "configurations" && parts[1]
          ? renderConfigEditor(ctx, parts[1])
          : parts[0] === "configurations"
            ? renderConfigurations(ctx)
            : parts[0] === "settings"
              ? renderSettings(ctx)
              : parts[0] === "callbacks"
                ? renderCallbacks(ctx)
                : parts[0] === "video-calls"
                  ? renderVideoCalls(ctx)
                  : renderOverview(ctx);
  void done(page);
}

window.addEventListener("hashchange", () => renderRoute());

api
  .me()
  .then((who) => {
    me = who;
    setCsrf(who.csrf_token);
    renderRoute();
  })
  .catch(() => renderLogin());
