// cTrip checkout page: live status, a countdown and copy buttons. The page is complete without
// this script; it only keeps the page current. Loaded from cTrip itself (CSP: script-src 'self').
(() => {
  /** Polling interval when server-sent events are not available. */
  const POLL_MS = 3000;
  /** The stream sends the current status at once: silence this long means something buffers it. */
  const STREAM_WATCHDOG_MS = 10_000;
  const COPY_RESET_MS = 2500;

  const root = document.getElementById('checkout');
  if (!root?.dataset.paymentId) return;
  const part = (name) => root.querySelector(`[data-part="${name}"]`);
  const field = (name) => root.querySelector(`[data-field="${name}"]`);
  const baseTitle = document.title;
  // The payer's clock may be off; the server's time at render corrects the countdown.
  const renderedAt = Date.parse(root.dataset.renderedAt ?? '');
  const clockOffset = Number.isNaN(renderedAt) ? 0 : renderedAt - Date.now();
  let lastRemaining = document.getElementById('amount')?.value;

  setUpCopyButtons();
  startCountdown();
  followStatus();

  function announce(message) {
    const announcer = part('announcer');
    if (!announcer) return;
    // Cleared first so the same message twice is announced twice.
    announcer.textContent = '';
    setTimeout(() => {
      announcer.textContent = message;
    }, 50);
  }

  function setUpCopyButtons() {
    for (const button of root.querySelectorAll('button[data-copy]')) {
      const target = document.getElementById(button.dataset.copy);
      if (!target) continue;
      const what = (button.getAttribute('aria-label') ?? 'Copy value').replace(/^Copy /, '');
      button.hidden = false;
      button.addEventListener('click', async () => {
        try {
          if (!navigator.clipboard) throw new Error('no clipboard');
          await navigator.clipboard.writeText(target.value.trim());
          showCopied(button, 'Copied', `The ${what} is copied.`);
        } catch {
          // Without clipboard access (an insecure origin, a refused permission) select it instead.
          target.focus();
          target.select();
          showCopied(button, 'Selected', `The ${what} is selected: copy it with your device.`);
        }
      });
    }
  }

  function showCopied(button, label, message) {
    button.textContent = label;
    button.dataset.copied = '';
    announce(message);
    clearTimeout(button.resetTimer);
    button.resetTimer = setTimeout(() => {
      button.textContent = 'Copy';
      delete button.dataset.copied;
    }, COPY_RESET_MS);
  }

  function startCountdown() {
    const expiry = part('expiry');
    const output = part('countdown');
    if (!expiry || !output) return;
    const end = Date.parse(expiry.getAttribute('datetime') ?? '');
    if (Number.isNaN(end)) return;
    expiry.textContent = new Date(end).toLocaleString(undefined, {
      dateStyle: 'medium',
      timeStyle: 'short',
    });
    output.hidden = false;
    const tick = () => {
      const left = end - (Date.now() + clockOffset);
      if (left <= 0) {
        output.textContent = 'The time to pay is up.';
        clearInterval(timer);
        return;
      }
      output.textContent = `Time left: ${formatDuration(left)}`;
    };
    const timer = setInterval(tick, 1000);
    tick();
  }

  function formatDuration(ms) {
    const total = Math.ceil(ms / 1000);
    const hours = Math.floor(total / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    const seconds = total % 60;
    const pad = (n) => String(n).padStart(2, '0');
    return hours > 0 ? `${hours}:${pad(minutes)}:${pad(seconds)}` : `${minutes}:${pad(seconds)}`;
  }

  function followStatus() {
    let polling = false;
    const startPolling = () => {
      if (polling) return;
      polling = true;
      poll();
    };
    if (!('EventSource' in window)) {
      startPolling();
      return;
    }
    const source = new EventSource(root.dataset.eventsUrl);
    let heard = false;
    const watchdog = setTimeout(() => {
      if (heard) return;
      source.close();
      startPolling();
    }, STREAM_WATCHDOG_MS);
    source.addEventListener('status', (event) => {
      heard = true;
      clearTimeout(watchdog);
      const status = JSON.parse(event.data);
      apply(status);
      if (status.final) source.close();
    });
    source.addEventListener('error', () => {
      // CONNECTING: the browser reconnects by itself. CLOSED: it gave up (an error status, a
      // proxy that does not pass streams): poll instead.
      if (source.readyState !== EventSource.CLOSED) return;
      clearTimeout(watchdog);
      startPolling();
    });
  }

  async function poll() {
    try {
      const response = await fetch(root.dataset.statusUrl, {
        cache: 'no-store',
        headers: { accept: 'application/json' },
      });
      if (response.ok) {
        const status = await response.json();
        apply(status);
        if (status.final) return;
      }
    } catch {
      // Offline for a moment: the next poll tries again.
    }
    setTimeout(poll, POLL_MS);
  }

  function setText(name, text) {
    const element = field(name);
    // Unchanged text is left alone: rewriting it would make screen readers announce it again.
    if (element && element.textContent !== text) element.textContent = text;
  }

  function apply(status) {
    const box = document.getElementById('status');
    if (box) box.dataset.tone = status.tone;
    setText('title', status.title);
    setText('message', status.message);
    setText('amount_received', status.amount_received);
    document.title = `${status.title} · ${baseTitle}`;

    const pay = part('pay');
    if (pay) pay.hidden = !status.accepting_payment;
    if (status.amount_remaining !== lastRemaining) {
      lastRemaining = status.amount_remaining;
      const amount = document.getElementById('amount');
      if (amount) amount.value = status.amount_remaining;
      const qr = part('qr');
      if (qr) qr.src = `${root.dataset.qrUrl}?due=${encodeURIComponent(status.amount_remaining)}`;
      const wallet = part('wallet-link');
      if (wallet) wallet.href = status.payment_uri;
    }

    const back = part('return');
    const link = part('return-link');
    const url = webUrl(status.redirect_url);
    if (back && link) {
      if (url) link.href = url;
      back.hidden = !url;
    }
  }

  function webUrl(value) {
    if (typeof value !== 'string') return null;
    try {
      const url = new URL(value);
      return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
    } catch {
      return null;
    }
  }
})();
