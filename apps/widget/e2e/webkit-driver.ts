/**
 * WebKit for the widget's browser tests: Debian's WebKitGTK (`webkit2gtk-driver`: `WebKitWebDriver` and
 * the `MiniBrowser` of `libwebkit2gtk-4.1-0`) on a private Xvfb display, driven over plain W3C WebDriver
 * (HTTP + JSON, `fetch`): the few commands the tests use, no client library. This MiniBrowser has no
 * headless mode, hence the virtual display.
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export const WEBKIT_DRIVER = "/usr/bin/WebKitWebDriver";
export const MINIBROWSER = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";
export const XVFB = "/usr/bin/Xvfb";

/** The W3C key under which an element reference travels. */
const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

export class WebDriverError extends Error {
  constructor(
    readonly error: string,
    message: string,
  ) {
    super(`${error}: ${message}`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts Xvfb on a display it picks itself (`-displayfd`), so parallel runs never collide. */
function startXvfb(): Promise<{ display: string; process: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const xvfb = spawn(XVFB, ["-displayfd", "3", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"], {
      stdio: ["ignore", "ignore", "pipe", "pipe"],
    });
    let stderr = "";
    xvfb.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const fd3 = xvfb.stdio[3];
    let out = "";
    const timer = setTimeout(() => reject(new Error(`Xvfb did not start: ${stderr.slice(-500)}`)), 20_000);
    fd3?.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("\n")) {
        clearTimeout(timer);
        resolve({ display: `:${out.trim()}`, process: xvfb });
      }
    });
    xvfb.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`Xvfb exited (${code}): ${stderr.slice(-500)}`));
    });
  });
}

function stopProcess(p: ChildProcess | undefined): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      p.kill("SIGKILL");
    }, 5000);
    p.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    p.kill("SIGTERM");
  });
}

/** A WebDriver endpoint (WebKitWebDriver on a virtual display); `close()` stops both. */
export interface WebKitDriver {
  readonly url: string;
  /** Everything the driver and the browsers it starts wrote to stderr (GStreamer and GTK warnings). */
  log(): string;
  newSession(browserArgs: readonly string[]): Promise<WebDriverSession>;
  close(): Promise<void>;
}

/**
 * Starts Xvfb and WebKitWebDriver. `env` is the environment to start them in (the caller's); DISPLAY and
 * private XDG folders (no profile of the person running the tests is read or written) are added.
 */
export async function startWebKitDriver(
  env: Readonly<Record<string, string | undefined>>,
): Promise<WebKitDriver> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "verimat-webkit-"));
  const xvfb = await startXvfb();
  let driver: ChildProcess | undefined;
  let log = "";
  const close = async (): Promise<void> => {
    await stopProcess(driver);
    await stopProcess(xvfb.process);
    fs.rmSync(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  };
  try {
    const port = await freePort();
    driver = spawn(WEBKIT_DRIVER, [`--port=${port}`, "--host=local"], {
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...env,
        DISPLAY: xvfb.display,
        XDG_CONFIG_HOME: path.join(home, "config"),
        XDG_CACHE_HOME: path.join(home, "cache"),
        XDG_DATA_HOME: path.join(home, "data"),
        // no accessibility bus on a test machine
        NO_AT_BRIDGE: "1",
      },
    });
    const append = (d: Buffer): void => {
      log = (log + d.toString()).slice(-200_000);
    };
    driver.stdout?.on("data", append);
    driver.stderr?.on("data", append);
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      const ready = await fetch(`${url}/status`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ready) break;
      if (i > 100 || driver.exitCode !== null) throw new Error(`WebKitWebDriver did not start: ${log}`);
      await sleep(100);
    }
    return {
      url,
      log: () => log,
      newSession: (args) => WebDriverSession.create(url, args),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

async function command(base: string, method: string, route: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json; charset=utf-8" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json: unknown = await res.json();
  const value = isRecord(json) ? json.value : undefined;
  if (!res.ok) {
    const err = isRecord(value) ? value : {};
    throw new WebDriverError(String(err.error ?? res.status), String(err.message ?? ""));
  }
  return value;
}

/** One browser session: the W3C commands the widget tests need. */
export class WebDriverSession {
  private constructor(
    private readonly base: string,
    readonly id: string,
    readonly capabilities: Record<string, unknown>,
  ) {}

  static async create(driverUrl: string, browserArgs: readonly string[]): Promise<WebDriverSession> {
    const value = await command(driverUrl, "POST", "/session", {
      capabilities: {
        alwaysMatch: {
          // WebKitWebDriver starts the binary as given: it is this flag that makes MiniBrowser accept the
          // driver's automation connection (without it the new-session request waits forever).
          "webkitgtk:browserOptions": { binary: MINIBROWSER, args: ["--automation", ...browserArgs] },
        },
      },
    });
    if (!isRecord(value) || typeof value.sessionId !== "string") throw new Error("no WebDriver session");
    const caps = isRecord(value.capabilities) ? value.capabilities : {};
    return new WebDriverSession(`${driverUrl}/session/${value.sessionId}`, value.sessionId, caps);
  }

  private send(method: string, route: string, body?: unknown): Promise<unknown> {
    return command(this.base, method, route, body);
  }

  async navigate(url: string): Promise<void> {
    await this.send("POST", "/url", { url });
  }

  async currentUrl(): Promise<string> {
    return String(await this.send("GET", "/url"));
  }

  async setWindowSize(width: number, height: number): Promise<void> {
    await this.send("POST", "/window/rect", { width, height });
  }

  /** Runs `body` as a function body in the page; its return value comes back as JSON. */
  execute(body: string, ...args: unknown[]): Promise<unknown> {
    return this.send("POST", "/execute/sync", { script: body, args });
  }

  async find(css: string): Promise<string> {
    const value = await this.send("POST", "/element", { using: "css selector", value: css });
    const id = isRecord(value) ? value[ELEMENT] : undefined;
    if (typeof id !== "string") throw new Error(`no element reference for ${css}: ${JSON.stringify(value)}`);
    return id;
  }

  /**
   * Finding and clicking are two WebDriver commands: if the widget re-renders between them the reference
   * is stale, so the element is found again once (the selector, not the node, is what the test means).
   */
  async click(css: string): Promise<void> {
    try {
      await this.send("POST", `/element/${await this.find(css)}/click`, {});
    } catch (error) {
      if (!(error instanceof WebDriverError && error.error === "stale element reference")) throw error;
      await this.send("POST", `/element/${await this.find(css)}/click`, {});
    }
  }

  /** Commands go to the page's `index`th frame from now on, or back to the top page with null. */
  async switchToFrame(index: number | null): Promise<void> {
    await this.send("POST", "/frame", { id: index });
  }

  /** A PNG of the viewport. */
  async screenshot(file: string): Promise<void> {
    const b64 = await this.send("GET", "/screenshot");
    fs.writeFileSync(file, Buffer.from(String(b64), "base64"));
  }

  /** Polls until `predicate` (a function body returning a truthy value) holds in the page; returns it. */
  async waitFor(predicate: string, timeoutMs = 15_000, what = predicate): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown = null;
    for (;;) {
      try {
        last = await this.execute(predicate);
        if (last) return last;
      } catch (error) {
        // a navigation in progress interrupts a script; the next poll runs in the new page
        if (!(error instanceof WebDriverError)) throw error;
        last = error.message;
      }
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await sleep(150);
    }
  }

  /** Waits for an element matching `css` to be in the page. */
  waitForSelector(css: string, timeoutMs = 15_000): Promise<unknown> {
    return this.waitFor(`return document.querySelector(${JSON.stringify(css)}) !== null;`, timeoutMs, css);
  }

  async close(): Promise<void> {
    await this.send("DELETE", "");
  }
}
