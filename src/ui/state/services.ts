/**
 * The app's two workers as the views reach them: the download engine's
 * bridge and the app worker's calls. Provided once by App; absent until the
 * workers are started, so views render (and work offline) before that.
 */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { EngineBridge } from '../../app/engineBridge.ts';
import type { AppCalls } from '../../app/appCalls.ts';

export interface Services {
  engine: EngineBridge;
  app: AppCalls;
}

export const ServicesContext = createContext<Services | undefined>(undefined);

/** The services, or undefined while the workers start. */
export function useServices(): Services | undefined {
  return useContext(ServicesContext);
}
