// One connection's HTTP calls, over an undici Agent of its own: timeouts on connecting, on
// the headers, on the body and on the whole call; a cap on the answer's size (read as a
// stream, stopped past the cap); only the hosts the deployment names; and retries of 408,
// 429 and 5xx answers and broken connections, waiting as long as `Retry-After` asks (retries are
// done here, not by undici's retry handler, which caps that wait) or with jittered exponential backoff, within a budget
// shared by a whole read or write, so a rate-limited system slows a run down without
// stalling it forever; a read's deadline cuts off a call (even one trickling in) and any wait
// that would end past it. The token goes in a header and into no message.
import { Agent, errors as undiciErrors, type Dispatcher } from "undici";
import { redactor, type Redact } from "./redact.js";

export interface HttpTimeouts {
  /** To open the connection (TCP and TLS). */
  readonly connectMs: number;
  /** From sending the request to the answer's headers. */
  readonly headersMs: number;
  /** Between two pieces of the answer's body. */
  readonly bodyMs: number;
  /** The whole call, from the first byte sent to the last byte read. */
  readonly requestMs: number;
}

export const DEFAULT_TIMEOUTS: HttpTimeouts = { connectMs: 10_000, headersMs: 30_000, bodyMs: 30_000, requestMs: 120_000 };

export interface RetryPolicy {
  /** Retries over a whole read or write (all its requests together). */
  readonly maxRetries: number;
  /** Retries of any one request. */
  readonly maxRetriesPerRequest: number;
  /** Time spent waiting between retries over a whole read or write. */
  readonly maxWaitMs: number;
  /** The first backoff when the server gives no Retry-After; it doubles each retry. */
  readonly baseDelayMs: number;
  /** The longest backoff when the server gives no Retry-After. */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 20, maxRetriesPerRequest: 6, maxWaitMs: 180_000, baseDelayMs: 500, maxDelayMs: 30_000 };

export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/** When a whole read must be over: the time (as Date.now() counts) and the bound in words, for messages. */
export interface Deadline {
  readonly at: number;
  /** Such as "the 600 s this connection gives a whole read (readLimits.seconds in ...)". */
  readonly bound: string;
}

/** What a read or a write may still spend on retries, and by when it must be over. */
export class RetryBudget {
  retries = 0;
  waitedMs = 0;
  constructor(
    readonly policy: RetryPolicy,
    readonly deadline?: Deadline,
  ) {}
}

export interface HttpAnswer {
  readonly status: number;
  /** The body parsed as JSON; undefined when empty or not JSON. */
  readonly body: unknown;
  readonly text: string;
}

/** A call that got no answer to work with: the connection failed, it timed out, the answer was too large, or the server kept answering 408, 429 or 5xx past the retry budget. */
export class HttpFailure extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "HttpFailure";
  }
}

export interface HttpClientOptions {
  readonly token: string;
  /** Host names ("api.example.org", any port) or host:port pairs ("127.0.0.1:8080"). */
  readonly allowedHosts: readonly string[];
  readonly timeouts?: Partial<HttpTimeouts>;
  readonly retry?: Partial<RetryPolicy>;
  readonly maxResponseBytes?: number;
  /** How to wait between retries; tests pass a quick one. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Jitter's source of randomness, in [0, 1). */
  readonly random?: () => number;
  /** Told of each wait before a retry: the service's page lists them (rate limits, mostly). */
  readonly onWait?: (wait: RetryWait) => void;
}

/** A wait before a retry: the call (its URL without the query), why, and how long. */
export interface RetryWait {
  readonly call: string;
  readonly why: string;
  readonly status?: number;
  readonly ms: number;
  /** Whether the server asked for it (Retry-After), rather than the backoff. */
  readonly asked: boolean;
}

const RETRIED_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
/** The statuses whose Retry-After is honoured (RFC 9110 gives it meaning for 503 and RFC 6585 for 429). */
const RETRY_AFTER_STATUSES = new Set([429, 503]);

export class HttpClient {
  readonly timeouts: HttpTimeouts;
  readonly retry: RetryPolicy;
  readonly maxResponseBytes: number;
  private readonly token: string;
  /** The token out of a text, in any form a server may echo it (see redact.ts): for the messages made of what the system says. */
  readonly redact: Redact;
  private readonly allowedHosts: readonly string[];
  private readonly agent: Agent;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly onWait: ((wait: RetryWait) => void) | undefined;

  constructor(options: HttpClientOptions) {
    this.token = options.token;
    this.redact = redactor([options.token]);
    this.allowedHosts = options.allowedHosts.map((h) => h.toLowerCase());
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.onWait = options.onWait;
    this.agent = new Agent({
      connect: { timeout: this.timeouts.connectMs },
      headersTimeout: this.timeouts.headersMs,
      bodyTimeout: this.timeouts.bodyMs,
      keepAliveTimeout: 4_000,
      connections: 4,
    });
  }

  budget(deadline?: Deadline): RetryBudget {
    return new RetryBudget(this.retry, deadline);
  }

  /** Why the client will not send to this URL, or undefined when it will. */
  refusal(url: URL): string | undefined {
    if (url.protocol !== "https:" && url.protocol !== "http:") return `${shown(url)} is not an http(s) URL`;
    const host = url.host.toLowerCase();
    const name = url.hostname.toLowerCase();
    if (this.allowedHosts.some((allowed) => allowed === host || allowed === name)) return undefined;
    const named = this.allowedHosts.length > 0 ? `it names ${this.allowedHosts.join(", ")}` : "it names none";
    return `${host} is not a host the deployment allows for this connection (${named}); nothing was sent there`;
  }

  /**
   * One call, retried as the policy allows. Answers with any status that is not retried (2xx,
   * 3xx, most 4xx, 501...) are returned for the caller to judge; the rest throw HttpFailure,
   * whose message never holds the token (a link that carries it, a network error that quotes it).
   * `before` is asked before each attempt, the first and every retry, and may throw to send no more.
   */
  async request(method: string, url: URL, body: unknown, budget: RetryBudget, before?: () => void): Promise<HttpAnswer> {
    try {
      return await this.retried(method, url, body, budget, before);
    } catch (error) {
      if (error instanceof HttpFailure) throw new HttpFailure(this.redact(error.message), error.status);
      throw error;
    }
  }

  private async retried(method: string, url: URL, body: unknown, budget: RetryBudget, before: (() => void) | undefined): Promise<HttpAnswer> {
    const refused = this.refusal(url);
    if (refused !== undefined) throw new HttpFailure(refused);
    const call = `${method} ${shown(url)}`;
    const deadline = budget.deadline;
    for (let retries = 0; ; retries++) {
      let trouble: { why: string; status?: number; waitMs?: number };
      before?.();
      const cutOff = deadline !== undefined ? deadlineSignal(deadline, call) : undefined;
      try {
        const answer = await this.once(method, url, body, cutOff);
        if (!RETRIED_STATUSES.has(answer.status)) return answer;
        const asked = RETRY_AFTER_STATUSES.has(answer.status) ? retryAfterMs(answer.retryAfter, Date.now()) : undefined;
        trouble = { why: `answered ${answer.status}${answer.status === 429 ? " (too many requests)" : ""}`, status: answer.status, ...(asked !== undefined ? { waitMs: asked } : {}) };
      } catch (error) {
        if (error instanceof HttpFailure) throw error;
        // Past the deadline there is no retry: the whole read is over.
        if (cutOff?.aborted) throw new HttpFailure(`${call} was cut off: the read ran past ${deadline!.bound}`);
        trouble = { why: networkTrouble(error, this.timeouts) };
      }
      const policy = budget.policy;
      if (retries >= policy.maxRetriesPerRequest || budget.retries >= policy.maxRetries) {
        const spent = retries >= policy.maxRetriesPerRequest ? `${retries} retries, the most one request may have` : `the ${policy.maxRetries} retries this read or write may have in all`;
        throw new HttpFailure(`${call} ${trouble.why}, still after ${spent}; ${advice(trouble.status)}`, trouble.status);
      }
      const wait = trouble.waitMs !== undefined ? trouble.waitMs + this.random() * Math.min(1_000, trouble.waitMs / 10) : this.backoff(retries);
      const asked = trouble.waitMs !== undefined ? `the server asks to wait ${duration(trouble.waitMs)} (Retry-After)` : `the next retry would wait ${duration(wait)}`;
      if (budget.waitedMs + wait > policy.maxWaitMs) {
        const left = Math.max(0, policy.maxWaitMs - budget.waitedMs);
        throw new HttpFailure(`${call} ${trouble.why}; ${asked}, more than the ${duration(left)} left of this read or write's ${duration(policy.maxWaitMs)} for waiting; ${advice(trouble.status)}`, trouble.status);
      }
      // A wait that would end past the deadline is not begun: the read could not use the answer.
      if (deadline !== undefined && Date.now() + wait > deadline.at) {
        throw new HttpFailure(`${call} ${trouble.why}; ${asked}, past ${deadline.bound}; ${advice(trouble.status)}`, trouble.status);
      }
      budget.retries++;
      budget.waitedMs += wait;
      this.onWait?.({ call, why: trouble.why, ...(trouble.status !== undefined ? { status: trouble.status } : {}), ms: Math.round(wait), asked: trouble.waitMs !== undefined });
      await this.sleep(wait);
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /** Exponential, with "equal jitter": half the delay is fixed, half random, so clients spread out. */
  private backoff(retries: number): number {
    const delay = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** retries);
    return delay / 2 + (this.random() * delay) / 2;
  }

  private async once(method: string, url: URL, body: unknown, cutOff: AbortSignal | undefined): Promise<HttpAnswer & { retryAfter?: string }> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, accept: "application/json", "user-agent": "syncspec" };
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await this.agent.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: method as Dispatcher.HttpMethod,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
      // Every write here is idempotent (PUT by deterministic key, PATCH of values, DELETE).
      idempotent: true,
      // The signal ends the body's reading too, so an answer that trickles in is cut off.
      signal: cutOff !== undefined ? AbortSignal.any([AbortSignal.timeout(this.timeouts.requestMs), cutOff]) : AbortSignal.timeout(this.timeouts.requestMs),
    });
    // An answer left unread is destroyed; its stream then reports the abort, which is no news here.
    response.body.on("error", () => {});
    const announced = Number(response.headers["content-length"]);
    if (announced > this.maxResponseBytes) {
      response.body.destroy();
      throw this.tooLarge(method, url);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > this.maxResponseBytes) {
        response.body.destroy();
        throw this.tooLarge(method, url);
      }
      chunks.push(chunk);
    }
    const text = Buffer.concat(chunks).toString("utf8");
    let parsed: unknown;
    try {
      parsed = text.trim() === "" ? undefined : (JSON.parse(text) as unknown);
    } catch {
      parsed = undefined;
    }
    const retryAfter = response.headers["retry-after"];
    return { status: response.statusCode, body: parsed, text, ...(retryAfter !== undefined ? { retryAfter: Array.isArray(retryAfter) ? retryAfter[0]! : retryAfter } : {}) };
  }

  private tooLarge(method: string, url: URL): HttpFailure {
    return new HttpFailure(`${method} ${shown(url)}: the answer is larger than ${size(this.maxResponseBytes)}, the most this connection reads at once; it was not read. A smaller pageSize in the system's connector.yaml makes each page smaller`);
  }
}

/** Retry-After as milliseconds from now: delay-seconds or an HTTP-date (RFC 9110 10.2.3); undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A signal that aborts at the deadline; a call begun at or past it is not sent at all. */
function deadlineSignal(deadline: Deadline, call: string): AbortSignal {
  const left = deadline.at - Date.now();
  if (left <= 0) throw new HttpFailure(`${call} was not sent: the read ran past ${deadline.bound}`);
  return AbortSignal.timeout(left);
}

/** A URL as messages show it: without user info, which could hold a password. */
export function shown(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}${url.search}`;
}

function advice(status: number | undefined): string {
  if (status === 429) return "the system is limiting how fast syncspec may call it. The next run tries again; if this keeps happening, run less often or ask the vendor for a higher limit";
  if (status === 503) return "the system says it is overloaded or down for maintenance. The next run tries again";
  if (status !== undefined) return "the system is failing on its side. The next run tries again; if this keeps happening, check the system's status page";
  return "check that the system is up and reachable from this machine. The next run tries again";
}

function networkTrouble(error: unknown, timeouts: HttpTimeouts): string {
  const code = (error as { code?: string }).code;
  if (error instanceof undiciErrors.ConnectTimeoutError || code === "UND_ERR_CONNECT_TIMEOUT") return `got no connection within ${duration(timeouts.connectMs)}`;
  if (error instanceof undiciErrors.HeadersTimeoutError || code === "UND_ERR_HEADERS_TIMEOUT") return `got no answer within ${duration(timeouts.headersMs)}`;
  if (error instanceof undiciErrors.BodyTimeoutError || code === "UND_ERR_BODY_TIMEOUT") return `stalled for ${duration(timeouts.bodyMs)} in the middle of the answer`;
  if ((error as Error).name === "TimeoutError" || code === "UND_ERR_ABORTED") return `took longer than ${duration(timeouts.requestMs)} in all`;
  if (code === "ECONNREFUSED") return "could not connect: the connection was refused (is the system up at this address?)";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "could not connect: the host name does not resolve";
  if (code === "ECONNRESET" || code === "UND_ERR_SOCKET" || code === "EPIPE") return "lost the connection before the answer was complete";
  return `failed: ${(error as Error).message ?? String(error)}`;
}

/** A length of time as messages show it: "300 ms", "2.5 s", "90 s". */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return ms < 10_000 ? `${(ms / 1000).toFixed(1).replace(/\.0$/, "")} s` : `${Math.round(ms / 1000)} s`;
}

function size(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(0)} MiB` : `${bytes} bytes`;
}
