/** Markup that is already safe to put in a page: built by `html`, never from raw input. */
export class SafeHtml {
  readonly #markup: string;

  constructor(markup: string) {
    this.#markup = markup;
  }

  toString(): string {
    return this.#markup;
  }
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text made safe for an element's content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

type Interpolated = SafeHtml | string | number | bigint | boolean | null | undefined;

/**
 * A template tag that escapes every interpolated value, so a page cannot forget to: only
 * markup from another `html` call passes through unchanged. Arrays are joined, and null,
 * undefined and false render nothing (for `cond && html\`…\``).
 */
export function html(
  strings: TemplateStringsArray,
  ...values: readonly (Interpolated | readonly Interpolated[])[]
): SafeHtml {
  let markup = strings[0] ?? '';
  values.forEach((value, i) => {
    markup += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(markup);
}

function render(value: Interpolated | readonly Interpolated[]): string {
  if (Array.isArray(value)) return value.map(render).join('');
  if (value instanceof SafeHtml) return value.toString();
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}
