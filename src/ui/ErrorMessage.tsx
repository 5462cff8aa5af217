import { explainError } from './state/errorText.ts';
import type { ExplainedError } from './state/errorText.ts';

/**
 * An error as a person can act on it: what went wrong, what to do, and the
 * exact message (rendered as text, never as markup) under a disclosure.
 */
export function ErrorMessage({ error, onDismiss, onLocate }: { error: unknown; onDismiss?: () => void; onLocate?: (loc: NonNullable<ExplainedError['location']>) => void }) {
  const e = explainError(error);
  return (
    <div class={`error error-${e.kind}`} role="alert">
      <p class="error-title">{e.title}</p>
      <p class="error-hint">{e.hint}</p>
      <details>
        <summary>Exact message</summary>
        <pre class="error-detail">{e.detail}</pre>
      </details>
      <div class="error-actions">
        {e.location !== undefined && onLocate !== undefined ? (
          <button type="button" onClick={() => onLocate(e.location!)}>
            Show line {e.location.line} of {e.location.file}
          </button>
        ) : null}
        {onDismiss !== undefined ? (
          <button type="button" class="quiet" onClick={onDismiss}>
            Dismiss
          </button>
        ) : null}
      </div>
    </div>
  );
}
