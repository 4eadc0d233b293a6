import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from "fastify-type-provider-zod";
import { BaseError, NonRetryableError, UserInputError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { ReviewNotFoundError } from "../review/decisions.ts";
import { SyncRunningError, WalletNotFoundError } from "../sync/runs.ts";

/**
 * API errors: every error response is JSON `{ code, message }` with the right status, never a
 * stack trace. A resource that does not exist and one that belongs to another user answer the
 * same 404 (same code, same message shape), so ids leak nothing.
 */
export class ApiError extends NonRetryableError {
  override name = "ApiError";
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export const notFound = (what: string) => new ApiError(404, "not_found", `no ${what}`);

/** Maps any error to a status and body; unexpected ones are logged (redacted) and answered generically. */
export const createErrorHandler =
  (logger: Logger) => (error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    const send = (status: number, code: string, message: string) =>
      reply.status(status).type("application/json").send({ code, message });
    if (error instanceof ApiError) return send(error.status, error.code, error.message);
    if (hasZodFastifySchemaValidationErrors(error)) {
      const where = (error as FastifyError).validationContext ?? "request";
      const issues = error.validation.slice(0, 5).map((v) => {
        const at = v.instancePath.split("/").filter(Boolean).join(".");
        return `${where}${at ? `.${at}` : ""}: ${v.message}`;
      });
      return send(400, "invalid_request", issues.join("; "));
    }
    if (isResponseSerializationError(error)) {
      logger.error("response does not match its schema", {
        method: request.method,
        url: request.routeOptions.url,
        error: error.message,
      });
      return send(500, "internal", "internal error");
    }
    if (error instanceof SyncRunningError) return send(409, "sync_running", error.shortMessage);
    if (error instanceof ReviewNotFoundError) return send(404, "not_found", error.apiMessage);
    if (error instanceof WalletNotFoundError) return send(404, "not_found", error.shortMessage);
    if (error instanceof UserInputError) return send(400, "invalid_input", error.shortMessage);
    const fe = error as FastifyError;
    if (fe.code === "FST_ERR_CTP_BODY_TOO_LARGE" || fe.code === "FST_REQ_FILE_TOO_LARGE")
      return send(413, "body_too_large", "the request body is too large");
    if (fe.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE")
      return send(415, "unsupported_media_type", "send JSON (content-type: application/json)");
    if (
      fe.code === "FST_ERR_CTP_EMPTY_JSON_BODY" ||
      fe.code === "FST_ERR_CTP_INVALID_JSON_BODY" ||
      fe instanceof SyntaxError
    )
      return send(400, "invalid_json", "the request body is not valid JSON");
    if (typeof fe.statusCode === "number" && fe.statusCode >= 400 && fe.statusCode < 500)
      return send(fe.statusCode, "bad_request", fe.message);
    logger.error("request failed", {
      method: request.method,
      url: request.routeOptions.url,
      request_id: request.id,
      error: error instanceof BaseError ? error.shortMessage : error.message,
    });
    return send(500, "internal", `internal error (request ${request.id})`);
  };
