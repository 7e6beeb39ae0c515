import type { CheckoutStatus } from './checkout-status.ts';
import { html, type SafeHtml } from './html.ts';

/** Where the page finds its stylesheet and script (versioned, so they can be cached long). */
export interface CheckoutAssetUrls {
  readonly css: string;
  readonly js: string;
}

export interface RenderCheckoutPageParams {
  readonly payment: CheckoutStatus;
  /** The deposit address: public, it is what the payer pays to. */
  readonly address: string;
  readonly assets: CheckoutAssetUrls;
  /** The server's clock, which the countdown follows rather than the payer's device. */
  readonly now?: Date;
}

const EXPIRY_FORMAT = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'UTC',
  dateStyle: 'medium',
  timeStyle: 'short',
});

/**
 * The checkout page: complete without JavaScript (amount, address, QR code, expiry, status),
 * and carrying in data- attributes what its script needs to update it live. No inline script
 * or style, so it runs under a strict Content-Security-Policy. Every value is escaped by `html`.
 */
export function renderCheckoutPage(params: RenderCheckoutPageParams): string {
  const { payment, address } = params;
  const base = `/pay/${encodeURIComponent(payment.id)}`;
  const network =
    payment.chain_id === null ? payment.chain : `${payment.chain} (chain id ${payment.chain_id})`;
  const body = html`<main class="checkout" id="checkout" data-payment-id="${payment.id}"
  data-rendered-at="${(params.now ?? new Date()).toISOString()}"
  data-status-url="${base}/status" data-events-url="${base}/events" data-qr-url="${base}/qr.svg">
  <header class="heading">
    <p class="brand">Checkout</p>
    <h1>Pay ${payment.amount} ${payment.token}</h1>
    <p class="network">on ${network}</p>
  </header>

  <section class="status" id="status" data-tone="${payment.tone}" role="status" aria-live="polite" aria-atomic="true">
    <h2 class="status-title" data-field="title">${payment.title}</h2>
    <p class="status-message" data-field="message">${payment.message}</p>
  </section>
  <p class="return" data-part="return"${hidden(payment.redirect_url === null)}>
    <a class="button" data-part="return-link"${returnHref(payment.redirect_url)}>Return to the merchant</a>
  </p>

  <section class="pay" aria-labelledby="pay-title" data-part="pay"${hidden(!payment.accepting_payment)}>
    <h2 id="pay-title">How to pay</h2>
    <div class="field">
      <label for="amount">Amount to send</label>
      <div class="copyable">
        <input id="amount" class="value" type="text" readonly autocomplete="off" value="${payment.amount_remaining}">
        <span class="unit">${payment.token}</span>
        <button type="button" class="copy" data-copy="amount" aria-label="Copy amount" hidden>Copy</button>
      </div>
    </div>
    <div class="field">
      <label for="address">Deposit address</label>
      <div class="copyable">
        <textarea id="address" class="value mono" readonly rows="2" spellcheck="false" autocomplete="off">${address}</textarea>
        <button type="button" class="copy" data-copy="address" aria-label="Copy deposit address" hidden>Copy</button>
      </div>
    </div>
    <p class="hint">${tokenHint(payment)}</p>
    <figure class="qr">
      <img data-part="qr" src="${base}/qr.svg?due=${payment.amount_remaining}" width="240" height="240"
        alt="QR code of the payment request, for a wallet app to scan">
      <figcaption>Scan it with a wallet app, or
        <a data-part="wallet-link" href="${payment.payment_uri}">open the payment in a wallet on this device</a>.</figcaption>
    </figure>
    <p class="deadline">Pay before <time data-part="expiry" datetime="${payment.expires_at}">${EXPIRY_FORMAT.format(new Date(payment.expires_at))} UTC</time>.
      <span class="countdown" role="timer" data-part="countdown" hidden></span></p>
  </section>

  <section class="summary" aria-labelledby="summary-title">
    <h2 id="summary-title">Payment details</h2>
    <dl>
      <div><dt>Amount</dt><dd>${payment.amount} ${payment.token}</dd></div>
      <div><dt>Received</dt><dd><span data-field="amount_received">${payment.amount_received}</span> ${payment.token}</dd></div>
      <div><dt>Network</dt><dd>${network}</dd></div>
      <div><dt>Payment id</dt><dd><code>${payment.id}</code></dd></div>
    </dl>
  </section>
  <noscript><p class="note">This page does not update by itself without JavaScript: reload it to see the latest status.</p></noscript>
  <p class="sr-only" data-part="announcer" aria-live="polite"></p>
</main>`;
  return renderDocument(`Pay ${payment.amount} ${payment.token}`, body, params.assets);
}

/** The page for a payment link that leads nowhere: it says so without echoing the link. */
export function renderNotFoundPage(assets: CheckoutAssetUrls): string {
  const body = html`<main class="checkout" id="checkout">
  <header class="heading">
    <p class="brand">Checkout</p>
    <h1>Payment not found</h1>
  </header>
  <p>This payment link does not lead to a payment. Check that you copied all of it, or ask the merchant for a new link. Do not send money based on this page.</p>
</main>`;
  return renderDocument('Payment not found', body, assets);
}

function renderDocument(title: string, body: SafeHtml, assets: CheckoutAssetUrls): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${title}</title>
<link rel="stylesheet" href="${assets.css}">
<script src="${assets.js}" defer></script>
</head>
<body>
${body}
</body>
</html>
`.toString();
}

function tokenHint(payment: CheckoutStatus): SafeHtml {
  if (payment.token_address === null) {
    return html`Send ${payment.token}, the native coin of ${payment.chain}. Money sent on another network does not reach this payment.`;
  }
  return html`Send the ${payment.token} token with contract <code class="mono">${payment.token_address}</code> on ${payment.chain}. Other tokens, or money sent on another network, do not count towards this payment.`;
}

function returnHref(url: string | null): SafeHtml {
  return url === null ? html`` : html` href="${url}"`;
}

function hidden(condition: boolean): SafeHtml {
  return condition ? html` hidden` : html``;
}
