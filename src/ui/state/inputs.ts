/** Pure helpers of the inputs panel. */

/** Which text a dropped or opened file fills: by name, else by its first word. */
export function classifyInputFile(name: string, text: string): 'goMod' | 'goSum' | 'queries' {
  const base = name.split(/[\\/]/).at(-1) ?? name;
  if (base === 'go.mod' || base.endsWith('.mod')) return 'goMod';
  if (base === 'go.sum' || base.endsWith('.sum')) return 'goSum';
  if (/^\s*(\/\/.*\n\s*)*module\s/.test(text)) return 'goMod';
  if (/^\S+ v\S+ h1:/m.test(text)) return 'goSum';
  return 'queries';
}

/** Focuses a textarea and selects one of its lines (1-based), so the person sees the line an error names. */
export function selectLine(id: string, line: number): void {
  const el = document.getElementById(id);
  if (!(el instanceof HTMLTextAreaElement)) return;
  const lines = el.value.split('\n');
  const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
  const end = start + (lines[line - 1]?.length ?? 0);
  el.focus();
  el.setSelectionRange(start, end);
}
