/** A small fetch wrapper: bearer token, JSON bodies, errors as `ApiError`. */

import { ApiError, fallbackBody, isErrorBody, parseRetryAfter } from "./errors";

const TOKEN_KEY = "ringledger.access_token";

/** Where the access token lives between page loads of one tab. */
export interface TokenStore {
  get(): string | null;
  set(token: string | null): void;
}

export function sessionTokenStore(storage: Storage = window.sessionStorage): TokenStore {
  return {
    get: () => storage.getItem(TOKEN_KEY),
    set: (token) => {
      if (token === null) storage.removeItem(TOKEN_KEY);
      else storage.setItem(TOKEN_KEY, token);
    },
  };
}

export function memoryTokenStore(initial: string | null = null): TokenStore {
  let token = initial;
  return { get: () => token, set: (next) => void (token = next) };
}

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";
export type QueryValue = string | number | boolean | null | undefined;

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, QueryValue>;
  headers?: Record<string, string>;
  /** Resend the identical request this many times when the network (not the API) fails. */
  networkRetries?: number;
  signal?: AbortSignal;
}

export interface HttpClientOptions {
  tokens: TokenStore;
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Called when the API says the token is missing, invalid or expired. */
  onUnauthorized?: () => void;
  retryDelayMs?: number;
}

const SESSION_CODES = new Set(["not_authenticated", "token_invalid", "token_expired"]);

export class HttpClient {
  readonly tokens: TokenStore;
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly onUnauthorized: (() => void) | undefined;
  private readonly retryDelayMs: number;

  constructor(options: HttpClientOptions) {
    this.tokens = options.tokens;
    this.baseUrl = options.baseUrl ?? "";
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.onUnauthorized = options.onUnauthorized;
    this.retryDelayMs = options.retryDelayMs ?? 500;
  }

  url(path: string, query?: Record<string, QueryValue>): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
    }
    const search = params.toString();
    return `${this.baseUrl}${path}${search ? `?${search}` : ""}`;
  }

  headers(options: RequestOptions, token: string | null = this.tokens.get()): Headers {
    const headers = new Headers({ Accept: "application/json" });
    if (options.body !== undefined) headers.set("Content-Type", "application/json");
    if (token) headers.set("Authorization", `Bearer ${token}`);
    for (const [name, value] of Object.entries(options.headers ?? {})) headers.set(name, value);
    return headers;
  }

  /** Send one request; resolve with the parsed JSON body or reject with an `ApiError`. */
  async request<T>(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<T> {
    const token = this.tokens.get();
    const init: RequestInit = { method, headers: this.headers(options, token) };
    if (options.body !== undefined) init.body = JSON.stringify(options.body);
    if (options.signal) init.signal = options.signal;
    const response = await this.sendWithRetries(this.url(path, options.query), init, options);
    return this.read<T>(response, token);
  }

  private async sendWithRetries(
    url: string,
    init: RequestInit,
    options: RequestOptions,
  ): Promise<Response> {
    const attempts = 1 + Math.max(0, options.networkRetries ?? 0);
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.fetchImpl(url, init);
      } catch (error) {
        if (options.signal?.aborted) throw error;
        if (attempt >= attempts) {
          throw new ApiError(0, {
            detail: "The service could not be reached.",
            code: "network_error",
          });
        }
        await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs * attempt));
      }
    }
  }

  private async read<T>(response: Response, sentToken: string | null): Promise<T> {
    const text = await response.text();
    let parsed: unknown = undefined;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    if (response.ok) return parsed as T;
    const body = isErrorBody(parsed) ? parsed : fallbackBody(response.status);
    const error = new ApiError(
      response.status,
      body,
      parseRetryAfter(response.headers.get("Retry-After")),
    );
    // Only the session that sent the request can have ended here. A refusal of a token this tab
    // no longer holds (signed out meanwhile, or already replaced by a new sign-in) ends nothing,
    // and must not replace the notice of the sign-out that dropped it.
    if (
      response.status === 401 &&
      SESSION_CODES.has(error.code) &&
      sentToken !== null &&
      this.tokens.get() === sentToken
    ) {
      this.onUnauthorized?.();
    }
    return Promise.reject(error);
  }
}
