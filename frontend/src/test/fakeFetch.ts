/** A scripted `fetch` for tests: answers by "METHOD /path" and records every request. */

export interface Recorded {
  method: string;
  url: string;
  path: string;
  headers: Headers;
  body: unknown;
}

export type Responder = (request: Recorded) => Response | Promise<Response>;

export function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

export function fakeFetch(routes: Record<string, Responder | Responder[]>) {
  const calls: Recorded[] = [];
  const queues = new Map<string, Responder[]>();
  for (const [route, responder] of Object.entries(routes)) {
    queues.set(route, Array.isArray(responder) ? [...responder] : [responder]);
  }
  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = String(input);
    const parsed = new URL(url, "http://console.test");
    const recorded: Recorded = {
      method: init.method ?? "GET",
      url,
      path: parsed.pathname,
      headers: new Headers(init.headers),
      body: typeof init.body === "string" ? JSON.parse(init.body) : undefined,
    };
    calls.push(recorded);
    const queue = queues.get(`${recorded.method} ${recorded.path}`);
    if (!queue || queue.length === 0)
      throw new Error(`unexpected ${recorded.method} ${recorded.path}`);
    // The last responder of a route keeps answering; earlier ones answer once each.
    const responder = queue.length > 1 ? queue.shift()! : queue[0]!;
    return responder(recorded);
  };
  return { fetch: fetch as typeof globalThis.fetch, calls };
}
