/**
 * The dashboard's only way to the server: JSON under `/v1` with the API key as a Bearer token.
 * The key lives in sessionStorage (gone when the tab closes), never in the URL or localStorage.
 */
const KEY = "lotwise.apiKey";

export const getKey = (): string | null => sessionStorage.getItem(KEY);
export const setKey = (key: string | null): void => {
  if (key) sessionStorage.setItem(KEY, key);
  else sessionStorage.removeItem(KEY);
};

/** An error answer of the API: `{code, message}` and the HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Body = { json: unknown } | { text: string; type: string } | undefined;

const request = async (path: string, method: string, body: Body, key = getKey()): Promise<Response> => {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  let payload: string | undefined;
  if (body && "json" in body) {
    headers["content-type"] = "application/json";
    payload = JSON.stringify(body.json);
  } else if (body) {
    headers["content-type"] = body.type;
    payload = body.text;
  }
  const res = await fetch(path, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
  if (!res.ok) {
    let code = "http_error";
    let message = `${method} ${path}: HTTP ${res.status}`;
    try {
      const e = (await res.json()) as { code?: string; message?: string };
      code = e.code ?? code;
      message = e.message ?? message;
    } catch {
      // not JSON: keep the status line
    }
    if (res.status === 401 && key === getKey()) window.dispatchEvent(new Event("lotwise:unauthorized"));
    throw new ApiError(res.status, code, message);
  }
  return res;
};

export const apiGet = async <T>(path: string, key?: string): Promise<T> =>
  (await (await request(path, "GET", undefined, key)).json()) as T;

export const apiSend = async <T>(method: "POST" | "PUT" | "PATCH" | "DELETE", path: string, body?: Body) => {
  const res = await request(path, method, body);
  return (res.status === 204 ? undefined : await res.json()) as T;
};

/** Query string of the defined values. */
export const qs = (params: Record<string, string | number | boolean | undefined | null>): string => {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== "");
  return entries.length ? `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString()}` : "";
};

/** Downloads an authenticated file: fetched with the key, then saved under the server's name. */
export const download = async (path: string, fallbackName: string): Promise<void> => {
  const res = await request(path, "GET", undefined);
  const disposition = res.headers.get("content-disposition") ?? "";
  const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
};

export type SseEvent = { event: string; data: unknown };

/**
 * Reads a server-sent event stream with the key in a header (EventSource cannot send one).
 * Calls `onEvent` per event; resolves when the server ends the stream or `signal` aborts.
 */
export const readEvents = async (
  path: string,
  onEvent: (e: SseEvent) => void,
  signal: AbortSignal,
): Promise<void> => {
  const key = getKey();
  const res = await fetch(path, {
    headers: { accept: "text/event-stream", ...(key ? { authorization: `Bearer ${key}` } : {}) },
    signal,
  });
  if (!res.ok || !res.body) throw new ApiError(res.status, "http_error", `${path}: HTTP ${res.status}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      if (data.length) {
        try {
          onEvent({ event, data: JSON.parse(data.join("\n")) });
        } catch {
          onEvent({ event, data: data.join("\n") });
        }
      }
      end = buffer.indexOf("\n\n");
    }
  }
};
