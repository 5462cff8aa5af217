/**
 * The settings as a hook: layered (defaults, the relay's config.json, what
 * this browser saved, the URL's parameters; see settings.ts) and saved to
 * localStorage whenever the person changes one.
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { mergeSettings, parseStoredSettings, relayDefaults, settingsFromQuery } from './settings.ts';
import type { AppSettings } from './settings.ts';

export const SETTINGS_KEY = 'modcarry-settings';
export const RELAY_CONFIG_URL = '/goproxy/config.json';

export interface SettingsState {
  settings: AppSettings;
  update(change: Partial<AppSettings>): void;
  /** The server's own problems with its GOPROXY/GOSUMDB (config.json). */
  relayProblems: string[];
  /** Whether the relay's config was read (false offline or when not served by modcarry). */
  relayKnown: boolean;
}

function readStored(): Partial<AppSettings> {
  try {
    return parseStoredSettings(localStorage.getItem(SETTINGS_KEY));
  } catch {
    return {};
  }
}

export function useSettings(): SettingsState {
  const [relay, setRelay] = useState<{ settings: Partial<AppSettings>; problems: string[]; known: boolean }>({ settings: {}, problems: [], known: false });
  const [stored, setStored] = useState<Partial<AppSettings>>(readStored);
  // The URL's settings win until the person changes one; then everything shown is saved.
  const [fromUrl, setFromUrl] = useState(() => settingsFromQuery(location.search));

  useEffect(() => {
    let live = true;
    fetch(RELAY_CONFIG_URL, { headers: { accept: 'application/json' } })
      .then((r) => (r.ok ? r.json() : undefined))
      .then((body: unknown) => {
        if (!live || body === undefined) return;
        const d = relayDefaults(body, location.origin);
        setRelay({ ...d, known: true });
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);

  const settings = mergeSettings(relay.settings, stored, fromUrl);
  const update = useCallback(
    (change: Partial<AppSettings>) => {
      const next = { ...settings, ...change };
      setStored(next);
      setFromUrl({});
      try {
        localStorage.setItem(SETTINGS_KEY, JSON.stringify(next));
      } catch {
        // storage refused (private mode, quota): the settings still apply to this page
      }
    },
    [settings],
  );
  return { settings, update, relayProblems: relay.problems, relayKnown: relay.known };
}
