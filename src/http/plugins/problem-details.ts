import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { CtripError } from '../../errors.ts';
import {
  HttpError,
  internalProblem,
  PROBLEM_CONTENT_TYPE,
  type Problem,
  statusOf,
  toProblem,
} from '../problem.ts';

/** Fastify's own error codes that are the client's fault, with our code and message. */
const FASTIFY_ERRORS: Readonly<Record<string, { code: string; detail: string }>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'MALFORMED_JSON', detail: 'the body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    code: 'MALFORMED_JSON',
    detail: 'the body is empty; send a JSON object',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: 'BODY_TOO_LARGE',
    detail: 'the body is larger than the limit',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    detail: 'send the body as application/json',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'BAD_REQUEST',
    detail: 'Content-Length does not match the body',
  },
  FST_ERR_VALIDATION: { code: 'VALIDATION_FAILED', detail: 'the request is not valid' },
};

/** Domain errors about one field of a request body, so clients can show them beside it. */
const FIELD_BY_CODE: Readonly<Record<string, string>> = {
  AMOUNT_INVALID: 'amount',
  CHAIN_NOT_FOUND: 'chain',
  TOKEN_NOT_FOUND: 'token',
  TOKEN_DISABLED: 'token',
  PAYMENT_INVALID_EXPIRY: 'expires_in',
  PAYMENT_INVALID_REFERENCE: 'reference',
  WEBHOOK_URL_INVALID: 'url',
  WEBHOOK_URL_REFUSED: 'url',
  WEBHOOK_EVENT_TYPE_UNKNOWN: 'event_types',
};

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
}

/**
 * Every error leaves as an RFC 9457 problem document: validation failures field by field,
 * domain errors by their code, Fastify's parsing errors translated, anything else a bare 500
 * (logged with the request id; no message, stack or internal detail in the response).
 */
export function registerProblemDetails(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const errors = error.validation.map((issue) => ({
        field: fieldOf(error.validationContext, issue.instancePath, issue.params),
        message: issue.message ?? 'is not valid',
      }));
      return sendProblem(
        reply,
        toProblem('VALIDATION_FAILED', `the ${error.validationContext ?? 'request'} is not valid`, {
          errors,
        }),
      );
    }
    if (error instanceof HttpError) {
      return sendProblem(
        reply,
        toProblem(error.code, error.message, error.errors ? { errors: error.errors } : {}),
      );
    }
    if (error instanceof CtripError && statusOf(error.code) !== undefined) {
      const field = FIELD_BY_CODE[error.code];
      return sendProblem(
        reply,
        toProblem(
          error.code,
          error.message,
          field ? { errors: [{ field, message: error.message }] } : {},
        ),
      );
    }
    const known = error.code ? FASTIFY_ERRORS[error.code] : undefined;
    if (known) return sendProblem(reply, toProblem(known.code, known.detail));
    if (error.statusCode === 429) {
      return sendProblem(
        reply,
        toProblem('RATE_LIMITED', 'too many requests; slow down and retry later'),
      );
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return sendProblem(reply, toProblem('BAD_REQUEST', 'the request is not valid'));
    }
    request.log.error({ err: error }, 'request failed');
    return sendProblem(reply, internalProblem(request.id));
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      toProblem('NOT_FOUND', `no route for ${request.method} ${request.url.split('?')[0]}`),
    ),
  );
}

function fieldOf(context: string | undefined, instancePath: string, params: unknown): string {
  const path = instancePath.replace(/^\//, '').replaceAll('/', '.');
  // Unknown keys are reported on their parent: name them.
  const keys = (params as { keys?: unknown } | undefined)?.keys;
  if (Array.isArray(keys) && keys.length > 0) {
    return keys.map((k) => (path ? `${path}.${String(k)}` : String(k))).join(', ');
  }
  return path || (context ?? 'body');
}
