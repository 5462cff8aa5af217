import { useRef, useState } from 'preact/hooks';
import type { TargetedEvent } from 'preact';
import { classifyInputFile } from './state/inputs.ts';

export interface InputTexts {
  goMod: string;
  goSum: string;
  queries: string;
  /** File names given by the person, for the job's provenance. */
  goModName?: string;
  goSumName?: string;
}

/**
 * What to fetch: go.mod and go.sum (typed, pasted, opened or dropped) and a
 * list of module@version or module@query items. The drop zone is the whole
 * panel; the file picker does the same for keyboard users.
 */
export function InputsPanel({
  texts,
  onChange,
  onPlan,
  planning,
  canPlan,
}: {
  texts: InputTexts;
  onChange(next: InputTexts): void;
  onPlan(): void;
  planning: boolean;
  canPlan: boolean;
}) {
  const [dragging, setDragging] = useState(false);
  const [note, setNote] = useState<string | undefined>();
  const fileInput = useRef<HTMLInputElement>(null);

  const readFiles = async (files: FileList | null) => {
    if (files === null || files.length === 0) return;
    let next = { ...texts };
    const used: string[] = [];
    for (const f of Array.from(files)) {
      const text = await f.text();
      const kind = classifyInputFile(f.name, text);
      if (kind === 'goMod') next = { ...next, goMod: text, goModName: f.name };
      else if (kind === 'goSum') next = { ...next, goSum: text, goSumName: f.name };
      else next = { ...next, queries: next.queries === '' ? text.trim() : `${next.queries}\n${text.trim()}` };
      used.push(`${f.name} → ${kind === 'goMod' ? 'go.mod' : kind === 'goSum' ? 'go.sum' : 'module list'}`);
    }
    onChange(next);
    setNote(`Read ${used.join(', ')}.`);
  };

  const text = (field: 'goMod' | 'goSum' | 'queries') => (e: TargetedEvent<HTMLTextAreaElement>) => {
    const value = e.currentTarget.value;
    const rename = field === 'goMod' ? { goModName: undefined } : field === 'goSum' ? { goSumName: undefined } : {};
    const next = { ...texts, ...rename, [field]: value };
    for (const k of Object.keys(next) as (keyof InputTexts)[]) if (next[k] === undefined) delete next[k];
    onChange(next);
  };

  return (
    <section
      class={`panel inputs${dragging ? ' dragging' : ''}`}
      aria-labelledby="inputs-heading"
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        void readFiles(e.dataTransfer?.files ?? null);
      }}
    >
      <h2 id="inputs-heading">What to carry</h2>
      <p class="muted">Paste or drop a go.mod and its go.sum, list modules as module@version (or @latest, @v1.2), or both.</p>
      <div class="file-row">
        <input ref={fileInput} id="input-files" type="file" tabIndex={-1} aria-label="Open go.mod / go.sum files" multiple accept=".mod,.sum,.txt,text/plain" class="visually-hidden" onChange={(e) => void readFiles(e.currentTarget.files)} />
        <button type="button" onClick={() => fileInput.current?.click()}>
          Open go.mod / go.sum files…
        </button>
        <span class="muted">or drop them anywhere on this panel</span>
        {note !== undefined ? (
          <span class="note" role="status">
            {note}
          </span>
        ) : null}
      </div>
      <div class="two-col">
        <div class="field">
          <label for="gomod">go.mod</label>
          <textarea id="gomod" rows={10} spellcheck={false} value={texts.goMod} onInput={text('goMod')} placeholder={'module example.com/app\n\ngo 1.22\n\nrequire golang.org/x/text v0.14.0'} />
        </div>
        <div class="field">
          <label for="gosum">go.sum</label>
          <textarea id="gosum" rows={10} spellcheck={false} value={texts.goSum} onInput={text('goSum')} placeholder="golang.org/x/text v0.14.0 h1:…" />
        </div>
      </div>
      <div class="field">
        <label for="queries">Modules (module@version or module@query, one per line)</label>
        <textarea id="queries" rows={3} spellcheck={false} value={texts.queries} onInput={text('queries')} placeholder="golang.org/x/mod@v0.17.0" />
      </div>
      <div class="actions">
        <button type="button" class="primary" disabled={planning || !canPlan} onClick={onPlan}>
          {planning ? 'Planning…' : 'Make the plan'}
        </button>
      </div>
    </section>
  );
}
