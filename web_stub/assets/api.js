// The AnimeHub API through the edge (`apiBase`, normally `/api`), with the fan's ID token.
import { config } from "./config.js";
import { currentSession } from "./session.js";

const RETRYABLE = new Set([502, 503, 504]);

export class ApiError extends Error {
  constructor(status, message, field) {
    super(message);
    this.status = status;
    this.field = field;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function errorFrom(response) {
  const body = await response.json().catch(() => null);
  if (response.status === 401) {
    return new ApiError(401, "You need to sign in to do that.");
  }
  if (response.status >= 500) {
    return new ApiError(
      response.status,
      `The service is unavailable right now (${response.status}). Please try again.`,
    );
  }
  const message = body && body.message ? body.message : `Request failed (${response.status}).`;
  return new ApiError(response.status, message, body && body.field);
}

export async function api(path, { method = "GET", body } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const session = currentSession();
  if (session) headers.Authorization = `Bearer ${session.idToken}`;
  // A read may be retried once: the balancer can answer 502 while a task is replaced.
  const attempts = method === "GET" ? 2 : 1;
  for (let attempt = 1; ; attempt++) {
    let response;
    try {
      response = await fetch(config().apiBase + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      if (attempt < attempts) {
        await sleep(300);
        continue;
      }
      throw new ApiError(0, "The service cannot be reached. Please try again.");
    }
    if (response.ok) {
      if (response.status === 204) return null;
      // An error page the edge put in the API's place (a distribution-wide custom error
      // response) arrives as 200 text/html: it is not data, so it is not a success either.
      if (!(response.headers.get("content-type") || "").includes("application/json")) {
        throw new ApiError(response.status, "The service answered with a page, not data.");
      }
      return response.json();
    }
    if (RETRYABLE.has(response.status) && attempt < attempts) {
      await sleep(300);
      continue;
    }
    throw await errorFrom(response);
  }
}

export async function uploadCover(file) {
  const upload = await api("/media/uploads", {
    method: "POST",
    body: { content_type: file.type, size: file.size },
  });
  const response = await fetch(upload.upload.url, {
    method: upload.upload.method,
    headers: { "Content-Type": upload.upload.headers["Content-Type"] },
    body: file,
  });
  if (!response.ok) throw new ApiError(response.status, "The cover image could not be uploaded.");
  return upload.key;
}
