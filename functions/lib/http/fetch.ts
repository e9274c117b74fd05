// HTTP GET with retries: exponential backoff with full jitter on 429, 5xx, timeouts and network
// errors (Retry-After honoured, capped), a timeout per attempt covering the body, and a hook that
// lets the caller reject a received body (e.g. truncated JSON) and try again. Clock, randomness and
// fetch are injectable so that tests run fast and deterministically.

export interface RetryPolicy {
  /** attempts after the first one */
  readonly retries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** per attempt, headers and body included */
  readonly timeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 5, baseDelayMs: 1000, maxDelayMs: 60_000, timeoutMs: 30_000 };

export interface HttpDeps {
  readonly fetch?: typeof globalThis.fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  /** uniform in [0, 1) */
  readonly random?: () => number;
}

export interface HttpResponse {
  readonly url: string;
  readonly status: number;
  readonly headers: Headers;
  readonly body: Buffer;
  /** attempts made, 1 when the first one succeeded */
  readonly attempts: number;
}

export interface RetryEvent {
  readonly url: string;
  readonly attempt: number;
  readonly delayMs: number;
  readonly reason: string;
}

export class HttpError extends Error {
  constructor(
    readonly url: string,
    /** the last HTTP status, undefined after a network error or a timeout */
    readonly status: number | undefined,
    readonly attempts: number,
    readonly retryable: boolean,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface GetOptions {
  readonly policy?: Partial<RetryPolicy>;
  readonly deps?: HttpDeps;
  readonly headers?: Record<string, string>;
  /** non-2xx statuses returned as they are instead of failing, e.g. 304 to a conditional GET */
  readonly accept?: readonly number[];
  /** inspects a 2xx response: a returned reason makes it a failed attempt, retried like a 503 */
  readonly check?: (response: HttpResponse) => Promise<string | undefined> | string | undefined;
  readonly onRetry?: (event: RetryEvent) => void;
}

const sleepReal = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || (status >= 500 && status <= 599);
}

/** full jitter: uniform in [0, min(max, base·2^attempt)] */
export function backoffDelay(attempt: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, random: () => number): number {
  return Math.round(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt));
}

/** Retry-After in ms (delta-seconds or an HTTP date), undefined when absent or unreadable */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

export async function getWithRetry(url: string, options: GetOptions = {}): Promise<HttpResponse> {
  const policy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
  const sleep = options.deps?.sleep ?? sleepReal;
  const random = options.deps?.random ?? Math.random;
  for (let attempt = 0; ; attempt++) {
    const outcome = await attemptGet(url, options, policy, attempt);
    if ('response' in outcome) return outcome.response;
    const { reason, status, waitMs } = outcome.retry;
    if (attempt >= policy.retries) {
      throw new HttpError(url, status, attempt + 1, true, `GET ${url}: gave up after ${attempt + 1} attempts; last: ${reason}`);
    }
    const delayMs = Math.min(policy.maxDelayMs, Math.max(backoffDelay(attempt, policy, random), waitMs ?? 0));
    options.onRetry?.({ url, attempt: attempt + 1, delayMs, reason });
    await sleep(delayMs);
  }
}

/** one GET: the response, or why to try again (the status, and how long the server asked to wait); an HttpError when retrying is pointless */
async function attemptGet(
  url: string,
  options: GetOptions,
  policy: RetryPolicy,
  attempt: number,
): Promise<{ response: HttpResponse } | { retry: { reason: string; status?: number; waitMs?: number } }> {
  const doFetch = options.deps?.fetch ?? globalThis.fetch;
  try {
    const signal = AbortSignal.timeout(policy.timeoutMs);
    const res = await doFetch(url, { headers: { accept: 'application/json', ...options.headers }, signal, redirect: 'follow' });
    const body = Buffer.from(await res.arrayBuffer());
    const response: HttpResponse = { url, status: res.status, headers: res.headers, body, attempts: attempt + 1 };
    if (options.accept?.includes(res.status)) return { response };
    if (res.status >= 200 && res.status < 300) {
      const problem = options.check ? await options.check(response) : undefined;
      return problem ? { retry: { reason: `HTTP ${res.status} but ${problem}`, status: res.status } } : { response };
    }
    if (isRetryableStatus(res.status)) return { retry: { reason: `HTTP ${res.status}`, status: res.status, waitMs: retryAfterMs(res.headers.get('retry-after')) } };
    const text = body.toString('utf8').slice(0, 200);
    throw new HttpError(url, res.status, attempt + 1, false, `GET ${url}: HTTP ${res.status} (not retried)${text ? `: ${text}` : ''}`);
  } catch (e) {
    if (e instanceof HttpError) throw e;
    const err = e as Error;
    return { retry: { reason: err.name === 'TimeoutError' || err.name === 'AbortError' ? `timed out after ${policy.timeoutMs} ms` : `network error: ${causeOf(err)}` } };
  }
}

function causeOf(e: Error): string {
  const cause = (e as Error & { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? e.message;
}
