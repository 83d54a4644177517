/**
 * HTTP errors: a closed set of codes (shared with the WebSocket protocol) mapped to status in one
 * place. Handlers throw ApiError; `app.onError` turns it into `{error: {code, message}}`.
 */
import type { ErrorCode, HttpError } from '../core/protocol';

const STATUS: Partial<Record<ErrorCode, number>> = {
  bad_request: 400,
  out_of_range: 400,
  bad_cell: 400,
  not_found: 404,
  origin_forbidden: 403,
  upgrade_required: 426,
  unauthorized: 401,
  rate_limited: 429,
  upstream_error: 502,
  bad_config: 500,
  internal: 500,
};

export class ApiError extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
    this.name = 'ApiError';
  }

  get status(): number {
    return STATUS[this.code] ?? 400;
  }
}

export function errorBody(code: ErrorCode, message: string, requestId?: string): HttpError {
  return requestId === undefined ? { error: { code, message } } : { error: { code, message, requestId } };
}
