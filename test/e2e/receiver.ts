/**
 * The merchant's side of the end-to-end tests: the shared receiver (test/webhook-receiver.ts)
 * with every request verified by the npm `standardwebhooks` package against the endpoint's
 * secret, as a merchant would, and the answer it was given kept beside it.
 */
import { Webhook } from 'standardwebhooks';
import {
  type ReceivedRequest,
  type ReceiverReply,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../webhook-receiver.ts';

/** The body cTrip sends (docs/webhooks.md). */
export interface WebhookPayload {
  readonly id: string;
  readonly type: string;
  readonly created_at: string;
  readonly data: { readonly id: string; readonly status: string } & Record<string, unknown>;
}

/** One request as it reached the receiver, verified, with what the receiver answered. */
export interface ReceivedWebhook {
  /** The `webhook-id` header: the event id. */
  readonly id: string;
  /** The verified, parsed body; null when the signature did not verify. */
  readonly payload: WebhookPayload | null;
  readonly verifyError: string | null;
  readonly receivedAt: Date;
  readonly answer: ReceiverReply;
}

/** What a receiver decides its answer on. */
export interface IncomingWebhook {
  /** The `webhook-id` header. */
  readonly id: string;
  /** How many requests with this webhook-id came before this one. */
  readonly earlier: number;
  /** The body's `type` and payment id (`data.id`), unverified. */
  readonly type: string | undefined;
  readonly paymentId: string | undefined;
}

/** Picks the answer to a request. */
export type Respond = (request: IncomingWebhook) => ReceiverReply;

export interface VerifyingReceiver {
  readonly url: string;
  /** The endpoint's secret (`whsec_…`), known once the endpoint is created with this URL. */
  verifyWith(secret: string): void;
  /** Every request so far, in arrival order. */
  received(): ReceivedWebhook[];
  /** The requests answered 2xx: the deliveries that count, in arrival order. */
  accepted(): ReceivedWebhook[];
  setRespond(respond: Respond): void;
  close(): Promise<void>;
}

/** Starts a receiver that answers 200 unless told otherwise; give it the secret with `verifyWith`. */
export async function startVerifyingReceiver(
  respond: Respond = () => 200,
): Promise<VerifyingReceiver> {
  let webhook: Webhook | undefined;
  const answers: ReceiverReply[] = [];
  const seen = new Map<string, number>();
  let decide = respond;
  const receiver: WebhookReceiver = await startWebhookReceiver({
    replies: (request: ReceivedRequest, index: number) => {
      const id = header(request, 'webhook-id');
      const earlier = seen.get(id) ?? 0;
      seen.set(id, earlier + 1);
      const body = parseBody(request.body);
      const answer = decide({ id, earlier, type: body?.type, paymentId: body?.data?.id });
      answers[index] = answer;
      return answer;
    },
  });

  const received = () =>
    receiver.requests.map((request, index): ReceivedWebhook => {
      let payload: WebhookPayload | null = null;
      let verifyError: string | null = null;
      try {
        if (!webhook) throw new Error('no secret to verify with');
        payload = webhook.verify(request.body, {
          'webhook-id': header(request, 'webhook-id'),
          'webhook-timestamp': header(request, 'webhook-timestamp'),
          'webhook-signature': header(request, 'webhook-signature'),
        }) as WebhookPayload;
      } catch (error) {
        verifyError = error instanceof Error ? error.message : String(error);
      }
      return {
        id: header(request, 'webhook-id'),
        payload,
        verifyError,
        receivedAt: request.receivedAt,
        answer: answers[index] ?? 200,
      };
    });

  return {
    url: receiver.url,
    verifyWith: (secret) => {
      webhook = new Webhook(secret);
    },
    received,
    accepted: () => received().filter((r) => isSuccess(r.answer)),
    setRespond: (next) => {
      decide = next;
    },
    close: () => receiver.close(),
  };
}

function parseBody(body: string): Partial<WebhookPayload> | null {
  try {
    return JSON.parse(body) as Partial<WebhookPayload>;
  } catch {
    return null;
  }
}

function isSuccess(answer: ReceiverReply): boolean {
  if (answer === 'hang') return false;
  const status = typeof answer === 'number' ? answer : answer.status;
  return status >= 200 && status < 300;
}

function header(request: ReceivedRequest, name: string): string {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : (value ?? '');
}
